# Sourced by deploy/bench-*.sh: a benchmark never touches a user's run folder, data or cluster.
#   bench_isolate NAME NODES   drops every ANTINEX_* setting meant for cluster.sh or the nodes (run folder, ports,
#                              seeds, data roots, Redis, ...), then gives the benchmark its own temporary run folder
#                              and its own free ports (NODES consecutive node and health ports, one Redis port).
#                              Kept: ANTINEX_BENCH_*, ANTINEX_SEARCH_* (the benchmarks' own settings) and
#                              ANTINEX_CONFIGURATION (which build to run).
#   bench_track PID            a background job of the benchmark (e.g. `GW bench cluster ... &`): bench_cleanup stops it.
#   bench_stop_tracked         stops the tracked jobs still running, with their child processes.
#   bench_cleanup              stops the tracked jobs and the benchmark's own cluster and removes its run folder (the
#                              scripts' EXIT trap).
#   bench_setup_done           with ANTINEX_BENCH_SETUP_ONLY=1: prints the settings and exits before anything starts
#                              (the isolation test uses it).

BENCH_TAKEN_PORTS=" "

bench_port_free() { # nothing listens there and this benchmark has not taken it
  [[ "$BENCH_TAKEN_PORTS" != *" $1 "* ]] && ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

bench_free_ports() { # bench_free_ports N -> first of N consecutive free ports, below the kernel's ephemeral range
  # ANTINEX_BENCH_PORT_RANGE=LOW-HIGH keeps a benchmark inside a range of its own (e.g. one per person on a shared host).
  local count=$1 attempt start p ok low=29000 high=32700
  if [[ "${ANTINEX_BENCH_PORT_RANGE:-}" =~ ^([0-9]+)-([0-9]+)$ ]]; then low=${BASH_REMATCH[1]}; high=${BASH_REMATCH[2]}; fi
  if ((high - low <= count)); then
    echo "ANTINEX_BENCH_PORT_RANGE=$low-$high is too narrow for $count consecutive ports" >&2
    return 1
  fi
  for attempt in $(seq 1 200); do
    start=$((low + RANDOM % (high - low - count)))
    ok=1
    for ((p = start; p < start + count; p++)); do bench_port_free "$p" || { ok=0; break; }; done
    if [ "$ok" = 1 ]; then
      for ((p = start; p < start + count; p++)); do BENCH_TAKEN_PORTS+="$p "; done
      echo "$start"
      return 0
    fi
  done
  echo "no $count free consecutive ports found" >&2
  return 1
}

bench_isolate() {
  local name=$1 nodes=$2 v
  for v in $(compgen -e); do
    case "$v" in
      ANTINEX_BENCH_*|ANTINEX_SEARCH_*|ANTINEX_CONFIGURATION) ;;
      ANTINEX_*) unset "$v" ;;
    esac
  done
  ANTINEX_RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/antinex-$name.XXXXXX")"
  # Ports are chosen in this shell (not in a subshell) so that the taken list is kept between the calls.
  bench_free_ports "$nodes" >"$ANTINEX_RUN_DIR/.port"; ANTINEX_BASE_PORT=$(<"$ANTINEX_RUN_DIR/.port")
  bench_free_ports "$nodes" >"$ANTINEX_RUN_DIR/.port"; ANTINEX_HEALTH_BASE=$(<"$ANTINEX_RUN_DIR/.port")
  bench_free_ports 1 >"$ANTINEX_RUN_DIR/.port"; ANTINEX_REDIS_PORT=$(<"$ANTINEX_RUN_DIR/.port")
  rm -f "$ANTINEX_RUN_DIR/.port"
  export ANTINEX_RUN_DIR ANTINEX_BASE_PORT ANTINEX_HEALTH_BASE ANTINEX_REDIS_PORT
  export ANTINEX_CONFIGURATION="${ANTINEX_CONFIGURATION:-Release}"
}

BENCH_TRACKED=""
bench_track() { BENCH_TRACKED+=" $1"; }

bench_descendants() { # bench_descendants PID -> PID's children, grandchildren, ... (deepest last)
  local child
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do echo "$child"; bench_descendants "$child"; done
}

bench_stop_tracked() {
  local pid tree
  for pid in $BENCH_TRACKED; do
    # Only while it is still this shell's own child: a finished job's pid may since belong to another program.
    [ "$(ps -o ppid= -p "$pid" 2>/dev/null | tr -d ' ')" = "$$" ] || continue
    # A job runs `cluster.sh gateway`, which runs dotnet: stopping the job's shell alone would leave the gateway running.
    tree="$pid $(bench_descendants "$pid" | tr '\n' ' ')"
    # shellcheck disable=SC2086 # a list of pids
    kill $tree 2>/dev/null || true
  done
  BENCH_TRACKED=""
}

bench_cleanup() {
  bench_stop_tracked
  bash "$REPO/deploy/cluster.sh" stop all >/dev/null 2>&1 || true
  case "$ANTINEX_RUN_DIR" in "${TMPDIR:-/tmp}"/antinex-*) rm -rf "$ANTINEX_RUN_DIR" ;; esac
}

bench_setup_done() {
  [ "${ANTINEX_BENCH_SETUP_ONLY:-}" = 1 ] || return 0
  echo "run-dir=$ANTINEX_RUN_DIR"
  echo "base-port=$ANTINEX_BASE_PORT"
  echo "health-base=$ANTINEX_HEALTH_BASE"
  echo "redis-port=$ANTINEX_REDIS_PORT"
  env | grep '^ANTINEX_' | sed 's/^/env: /' || true
  exit 0
}
