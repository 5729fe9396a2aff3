#!/usr/bin/env bash
# The cost of mutual TLS, both modes in one run (README "Security"). Two 3-node clusters from deploy/cluster.sh, one
# plaintext (--insecure), one with mutual TLS, each in its own run folder and ports, both up at once; the benches
# alternate between them in rounds so that a change of the machine's load hits both alike:
#   1. time to join: `cluster.sh start 3` until all three nodes report ready (process start-up included),
#   2. per round: single-row predict latency p50/p99 at concurrency 1, bulk rows/s (100 rows/request, concurrency 16);
#      the medians of the rounds are printed,
#   3. failover: kill -9 the node holding a label during a bench; longest outage of that label (first failure -> next
#      success) and the time until it answers again,
#   4. time for a 4th node to join a running cluster (start -> ready).
# Usage: bash deploy/bench-tls.sh [DURATION=5s] [ROUNDS=3]   (env ANTINEX_BENCH_STABLE_AFTER, default 5s;
#        ANTINEX_BENCH_PORT_RANGE=LOW-HIGH picks its 18 ports in a range)
# Never touches a user's run folder, data or cluster (deploy/lib/bench-isolation.sh): one temporary folder with a
# subfolder per mode, and free ports of its own for both clusters.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DURATION="${1:-5s}"
ROUNDS="${2:-3}"
source "$REPO/deploy/lib/bench-isolation.sh"
bench_isolate tls 4   # the plaintext cluster: 3 nodes, then one added
ROOT_DIR="$ANTINEX_RUN_DIR"
declare -A BASE HEALTH REDIS
BASE[insecure]=$ANTINEX_BASE_PORT; HEALTH[insecure]=$ANTINEX_HEALTH_BASE; REDIS[insecure]=$ANTINEX_REDIS_PORT
# The TLS cluster's ports, chosen in this shell (not a subshell) so that the taken list is kept between the calls.
bench_free_ports 4 >"$ROOT_DIR/.port"; BASE[tls]=$(<"$ROOT_DIR/.port")
bench_free_ports 4 >"$ROOT_DIR/.port"; HEALTH[tls]=$(<"$ROOT_DIR/.port")
bench_free_ports 1 >"$ROOT_DIR/.port"; REDIS[tls]=$(<"$ROOT_DIR/.port")
rm -f "$ROOT_DIR/.port"
STABLE_AFTER="${ANTINEX_BENCH_STABLE_AFTER:-5s}"
export ANTINEX_NODE_ARGS="${ANTINEX_NODE_ARGS:---stable-after $STABLE_AFTER --torch-threads 1}"
LABELS=(tls-a tls-b tls-c)
labels_csv=$(IFS=,; echo "${LABELS[*]}")
MODES=(insecure tls)

# with_mode MODE CMD...: runs CMD with MODE's cluster settings (folder, ports, plaintext or TLS)
with_mode() {
  local mode=$1 insecure=false; shift
  [ "$mode" = insecure ] && insecure=true
  ANTINEX_RUN_DIR="$ROOT_DIR/$mode" ANTINEX_INSECURE=$insecure ANTINEX_BASE_PORT=${BASE[$mode]} \
    ANTINEX_HEALTH_BASE=${HEALTH[$mode]} ANTINEX_REDIS_PORT=${REDIS[$mode]} "$@"
}
cluster() { local mode=$1; shift; with_mode "$mode" bash "$REPO/deploy/cluster.sh" "$@"; }
gw() { local mode=$1; shift; cluster "$mode" gateway "$@"; }
cleanup() {
  bench_stop_tracked
  for m in "${MODES[@]}"; do cluster "$m" stop all >/dev/null 2>&1 || true; done
  case "$ROOT_DIR" in "${TMPDIR:-/tmp}"/antinex-*) rm -rf "$ROOT_DIR" ;; esac
}
trap cleanup EXIT
bench_setup_done
now() { date +%s.%N; }
fail() { echo "bench-tls.sh: $*" >&2; exit 1; }
WAIT_SECONDS=180   # the longest wait for a label to answer again or a node to be ready, on a loaded machine too
since() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}'; }
field() { sed -n "s/.*\"$1\": *\\([0-9.]*\\).*/\\1/p" | head -1; }
median() { sort -g | awk '{v[NR]=$1} END{if (NR==0) print "-"; else print v[int((NR+1)/2)]}'; }
ready() { # ready PORT: /health/ready answers 200
  { exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
  printf 'GET /health/ready HTTP/1.0\r\n\r\n' >&3; local line=""; IFS= read -r -t 3 line <&3 || true; exec 3<&- 3>&-
  [[ "$line" == *" 200 "* ]]
}

dotnet build "$REPO/AntiNex.Node/AntiNex.Node.csproj" -c "$ANTINEX_CONFIGURATION" --nologo -v q >/dev/null
dotnet build "$REPO/AntiNex.Gateway/AntiNex.Gateway.csproj" -c "$ANTINEX_CONFIGURATION" --nologo -v q >/dev/null

declare -A R
for mode in "${MODES[@]}"; do
  rm -rf "${ROOT_DIR:?}/$mode"; mkdir -p "$ROOT_DIR/$mode/data"
  start=$(now)
  cluster "$mode" start 3 >/dev/null
  cluster "$mode" wait-ready 3 300 >/dev/null
  R[$mode.join3]=$(since "$start")
  data="$ROOT_DIR/$mode/data"
  gw "$mode" generate --rows 4000 --out "$data/bench.csv" >/dev/null 2>&1
  for label in "${LABELS[@]}"; do
    sed -e "s#\"label\": \"[^\"]*\"#\"label\": \"$label\"#" -e "s#\"dataset\": \"[^\"]*\"#\"dataset\": \"$data/bench.csv\"#" \
        -e 's#"epochs": [0-9]*#"epochs": 2#' "$REPO/training/demo-synthetic.json" >"$data/$label.json"
    gw "$mode" train -f "$data/$label.json" --json >/dev/null 2>&1
  done
  gw "$mode" bench cluster -l "$labels_csv" -c 1 -d 2s --warmup 1s >/dev/null 2>&1 || true   # loads every model
  echo "$mode: 3 nodes ready in ${R[$mode.join3]} s, 3 labels trained"
done

for round in $(seq 1 "$ROUNDS"); do
  for mode in "${MODES[@]}"; do
    data="$ROOT_DIR/$mode/data"
    gw "$mode" bench cluster -l "$labels_csv" -c 1 -d "$DURATION" --rows 1 --json >"$data/single-$round.json" 2>/dev/null || true
    gw "$mode" bench cluster -l "$labels_csv" -c 16 -d "$DURATION" --rows 100 --json >"$data/bulk-$round.json" 2>/dev/null || true
    echo "round $round $mode: p50 $(field p50_ms <"$data/single-$round.json") ms, p99 $(field p99_ms <"$data/single-$round.json") ms," \
         "bulk $(field rows_per_second <"$data/bulk-$round.json") rows/s (load $(cut -d' ' -f1 /proc/loadavg))"
  done
done
for mode in "${MODES[@]}"; do
  data="$ROOT_DIR/$mode/data"
  R[$mode.p50]=$(for f in "$data"/single-*.json; do field p50_ms <"$f"; done | median)
  R[$mode.p99]=$(for f in "$data"/single-*.json; do field p99_ms <"$f"; done | median)
  R[$mode.rows]=$(for f in "$data"/bulk-*.json; do field rows_per_second <"$f"; done | median)
done

for mode in "${MODES[@]}"; do
  data="$ROOT_DIR/$mode/data"
  holder=$(gw "$mode" describe tls-a --json 2>/dev/null | sed -n 's/.*"node": "[^:]*:\([0-9]*\)".*/\1/p')
  k=$((holder - BASE[$mode] + 1))
  # The bench joins and warms up first (slow on a loaded machine): kill once it has measured for a while.
  gw "$mode" bench cluster -l tls-a -c 2 -d 45s --timeout 2s --warmup 1s --json >"$data/failover.json" 2>/dev/null &
  bench=$!
  bench_track "$bench"
  sleep 20
  killed=$(now)
  cluster "$mode" kill "$k" >/dev/null
  deadline=$((SECONDS + WAIT_SECONDS))
  until gw "$mode" predict -f "$data/tls-a.json" --timeout 60s >/dev/null 2>"$data/predict.err"; do
    # The run folder goes with the EXIT trap: show the last attempt's errors now.
    ((SECONDS < deadline)) \
      || { tail -5 "$data/predict.err" >&2; fail "$mode: tls-a did not answer within $WAIT_SECONDS s of the kill -9 of node $k"; }
    sleep 0.2
  done
  R[$mode.back]=$(since "$killed")
  wait "$bench" || true
  # errors and timeouts count the failed requests; longest_outage_s lists a label only when a failure was followed by a
  # success; longest_gap_ms is every label's longest time between two answers. No "requests": the bench gave no result.
  json=$(tr -d '\n ' <"$data/failover.json")
  if [[ "$json" == *'"requests":'* ]]; then
    R[$mode.failed]=$(( $(field errors <<<"$json") + $(field timeouts <<<"$json") ))
  else
    R[$mode.failed]="no result"
  fi
  R[$mode.outage]=$(sed -n 's/.*"longest_outage_s":{[^}]*"tls-a":\([0-9.]*\).*/\1/p' <<<"$json")
  R[$mode.gap]=$(sed -n 's/.*"longest_gap_ms":{[^}]*"tls-a":\([0-9.]*\).*/\1/p' <<<"$json")
  echo "$mode: kill -9 node $k (held tls-a): tls-a answered a new gateway $(printf %s "${R[$mode.back]}") s later;" \
       "the bench: ${R[$mode.failed]} failed requests, longest outage ${R[$mode.outage]:-none}${R[$mode.outage]:+ s}," \
       "longest gap between answers ${R[$mode.gap]:--} ms"

  start=$(now)
  cluster "$mode" add >/dev/null
  n=$(ls "$ROOT_DIR/$mode"/pids/node-*.pid | sed 's/.*node-\([0-9]*\).pid/\1/' | sort -n | tail -1)
  deadline=$((SECONDS + WAIT_SECONDS))
  until ready $((HEALTH[$mode] + n - 1)); do
    ((SECONDS < deadline)) || { tail -20 "$ROOT_DIR/$mode/logs/node-$n.log" >&2; fail "$mode: node $n was not ready within $WAIT_SECONDS s"; }
    sleep 0.2
  done
  R[$mode.join1]=$(since "$start")
done

echo
echo "mutual TLS vs plaintext, one run, medians of $ROUNDS rounds (load average now $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-40s %12s %12s\n' "" "plaintext" "mutual TLS"
printf '%-40s %12s %12s\n' "single-row predict p50 (ms), c=1" "${R[insecure.p50]}" "${R[tls.p50]}"
printf '%-40s %12s %12s\n' "single-row predict p99 (ms), c=1" "${R[insecure.p99]}" "${R[tls.p99]}"
printf '%-40s %12s %12s\n' "bulk rows/s (100 rows/request, c=16)" "${R[insecure.rows]}" "${R[tls.rows]}"
printf '%-40s %12s %12s\n' "3 nodes: start -> all ready (s)" "${R[insecure.join3]}" "${R[tls.join3]}"
printf '%-40s %12s %12s\n' "4th node: start -> ready (s)" "${R[insecure.join1]}" "${R[tls.join1]}"
printf '%-40s %12s %12s\n' "kill -9 holder -> label answers (s)" "${R[insecure.back]}" "${R[tls.back]}"
printf '%-40s %12s %12s\n' "  failed requests of a bench meanwhile" "${R[insecure.failed]}" "${R[tls.failed]}"
printf '%-40s %12s %12s\n' "  its longest outage (s)" "${R[insecure.outage]:-none}" "${R[tls.outage]:-none}"
printf '%-40s %12s %12s\n' "  its longest gap between answers (ms)" "${R[insecure.gap]:--}" "${R[tls.gap]:--}"
