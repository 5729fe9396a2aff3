#!/usr/bin/env bash
# Failover figures on loopback (README "Failover"): a 3-node cluster from deploy/cluster.sh with DEFAULT settings (mutual
# TLS, failure detection derived from the cluster size, one read replica per label), in its own temporary run folder and
# on its own free ports (deploy/lib/bench-isolation.sh: a user's .run/ and cluster are never touched). Labels A and B are
# trained on generated data, then predict load on both (concurrency 4, 5 s timeout per request) during:
#   (a) kill -9 of the node holding A's writer, 15 s in -> errors, timeouts, longest gap, p99/max; A's writer back after
#   (b) SIGSTOP of the node holding B's writer for 30 s -> the same (the stopped node is downed; it is started again after)
#   (c) a rolling restart of the 3 nodes              -> the same
#   (d) SIGTERM of the node holding A's writer        -> A's writer back after a graceful hand-off
# plus single-row p50/p99 at concurrency 1 without faults and the memory of the loaded copies per node.
# "Writer back" = from the signal to the first log line of another node's entity serving A ("model a: version N loaded").
# Usage: bash deploy/bench-failover.sh [LOAD_SECONDS=60]   (ANTINEX_BENCH_PORT_RANGE=LOW-HIGH picks ports in a range;
#        ANTINEX_BENCH_PARTS="a b c d" runs only the listed faults; ANTINEX_BENCH_ROLLING_SECONDS, default 180, is the
#        load run of the rolling restart)
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOAD="${1:-60}"
source "$REPO/deploy/lib/bench-isolation.sh"
bench_isolate failover 3
CLUSTER="bash $REPO/deploy/cluster.sh"
GW() { $CLUSTER gateway "$@" 2>/dev/null; }
DATA="$ANTINEX_RUN_DIR/data"
OUT="$ANTINEX_RUN_DIR/figures"
trap bench_cleanup EXIT
mkdir -p "$DATA" "$OUT"
bench_setup_done

node_rss_kb() { local pid; pid=$(cat "$ANTINEX_RUN_DIR/pids/node-$1.pid" 2>/dev/null) || { echo 0; return; }
  ps -o rss= -p "$pid" 2>/dev/null | tr -d ' ' || echo 0; }
now() { date +%H:%M:%S.%3N; }
seconds_between() { awk -v a="$1" -v b="$2" 'BEGIN{split(a,x,":");split(b,y,":");printf "%.1f",(y[1]*3600+y[2]*60+y[3])-(x[1]*3600+x[2]*60+x[3])}'; }
holder_of() { GW describe "$1" --json | sed -n 's/^  "node": "[^:]*:\([0-9]*\)".*/\1/p' | head -1; }
node_index() { echo $(($1 - ANTINEX_BASE_PORT + 1)); }
# First log line after $2 where a node other than $3 serves label $1's writer ("model a: version N loaded").
writer_back_at() {
  local label=$1 since=$2 not=$3 k
  for k in 1 2 3; do [ "$k" = "$not" ] && continue
    # A node that never loaded the label has no such line: grep fails, which must not end the script (set -e, pipefail).
    { grep -h "model $label: version [0-9]* loaded" "$ANTINEX_RUN_DIR/logs/node-$k.log" 2>/dev/null || true; } \
      | awk -v s="$since" '$1 > s {print $1; exit}'
  done | sort | head -1
}
writer_back() { # writer_back LABEL SINCE NOT WHAT: waits up to 60 s, prints the figure
  local back="" i
  for i in $(seq 1 120); do back=$(writer_back_at "$1" "$2" "$3"); [ -n "$back" ] && break; sleep 0.5; done
  if [ -n "$back" ]; then echo "    writer of $1 back on another node $(seconds_between "$2" "$back") s after $4"
  else echo "    writer of $1: not seen back within 60 s after $4"; fi
}
summary() { # summary NAME FILE: the figures of one bench run
  python3 - "$1" "$2" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[2]))
    r['requests']
except Exception as e:
    print(f"{sys.argv[1]:<24} no result ({e}): {open(sys.argv[2]).read()[:400]}"); sys.exit(0)
gaps = r.get('longest_gap_ms') or {'-': 0}
print(f"{sys.argv[1]:<24} requests {r['requests']:>7}  errors {r['errors']}  timeouts {r['timeouts']}  p50 {r['p50_ms']:.2f} ms  "
      f"p99 {r['p99_ms']:.2f} ms  max {r['max_ms']:.0f} ms  longest gap {max(gaps.values()):.0f} ms")
PY
}
load() { # load SECONDS FILE: predict load on A and B in the background (pid in $bench; the EXIT trap stops it)
  GW bench cluster -l A -l B -c 4 -d "${1}s" --timeout 5s --json >"$2" & bench=$!
  bench_track "$bench"
}

dotnet build "$REPO/AntiNex.Node/AntiNex.Node.csproj" -c "$ANTINEX_CONFIGURATION" --nologo -v q >/dev/null
dotnet build "$REPO/AntiNex.Gateway/AntiNex.Gateway.csproj" -c "$ANTINEX_CONFIGURATION" --nologo -v q >/dev/null
$CLUSTER start 3 >/dev/null
$CLUSTER wait-ready 3 240 >/dev/null
sleep 3
declare -a rss_empty; for k in 1 2 3; do rss_empty[$k]=$(node_rss_kb "$k"); done
GW generate --rows 4000 --out "$DATA/bench.csv" >/dev/null
for label in A B; do
  sed -e "s#\"label\": \"[^\"]*\"#\"label\": \"$label\"#" -e "s#\"dataset\": \"[^\"]*\"#\"dataset\": \"$DATA/bench.csv\"#" \
      -e 's#"epochs": [0-9]*#"epochs": 3#' "$REPO/training/demo-synthetic.json" >"$DATA/$label.json"
  GW train -f "$DATA/$label.json" --json >"$DATA/$label.trained.json"
done
sleep 5   # replicas load
# Every copy loaded and warm. 20 s: the first ~20 s after the trainings have a p99 1.5-2x the steady one (measured the
# same way on this build and on the build before read replicas and TLS), and the figure below is the steady state.
GW bench cluster -l A -l B -c 1 -d 20s --json >/dev/null || true
echo "memory (RSS per node, without models -> with A and B on their writers and one replica each):"
for k in 1 2 3; do echo "    node $k: ${rss_empty[$k]} kB -> $(node_rss_kb "$k") kB"; done

GW bench cluster -l A -l B -c 1 -d 20s --json >"$OUT/baseline.json" || true
summary "no fault, c=1" "$OUT/baseline.json"

PARTS=" ${ANTINEX_BENCH_PARTS:-a b c d} "
part() { [[ "$PARTS" == *" $1 "* ]]; }

# (a) kill -9 of A's writer 15 s into the load
if part a; then
k=$(node_index "$(holder_of A)")
load "$LOAD" "$OUT/kill9.json"; sleep 15; killed_at=$(now); $CLUSTER kill "$k" >/dev/null
wait "$bench" || true
summary "(a) kill -9 node $k" "$OUT/kill9.json"
writer_back a "$killed_at" "$k" "kill -9"
$CLUSTER restart "$k" >/dev/null; $CLUSTER wait-ready 3 240 >/dev/null; sleep 8
fi

# (b) SIGSTOP of B's writer for 30 s, 10 s into the load; the downed node is started again afterwards
if part b; then
k=$(node_index "$(holder_of B)")
load "$LOAD" "$OUT/sigstop.json"; sleep 10
pid=$(cat "$ANTINEX_RUN_DIR/pids/node-$k.pid"); kill -STOP "$pid"; sleep 30; kill -CONT "$pid"
wait "$bench" || true
summary "(b) SIGSTOP 30 s node $k" "$OUT/sigstop.json"
for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done   # downed: it shuts itself down
$CLUSTER restart "$k" >/dev/null; $CLUSTER wait-ready 3 240 >/dev/null; sleep 8
fi

# (c) rolling restart under load (the load runs until the restart is over)
if part c; then
ROLL="${ANTINEX_BENCH_ROLLING_SECONDS:-180}"
load "$ROLL" "$OUT/rolling.json"; sleep 5; started=$(date +%s)
$CLUSTER rolling-restart >/dev/null
echo "    rolling restart of 3 nodes took $(( $(date +%s) - started )) s"
wait "$bench" || true
summary "(c) rolling restart" "$OUT/rolling.json"
sleep 5
fi

# (d) SIGTERM of A's writer under load: graceful hand-off
if part d; then
k=$(node_index "$(holder_of A)")
# 15 s in, as for (a): the bench gateway has joined and warmed up, so the figures are those of the hand-off itself.
load 40 "$OUT/sigterm.json"; sleep 15; stopped_at=$(now); $CLUSTER stop "$k" >/dev/null
wait "$bench" || true
summary "(d) SIGTERM node $k" "$OUT/sigterm.json"
writer_back a "$stopped_at" "$k" "SIGTERM"
fi
echo "raw results: $OUT/*.json (removed on exit; ANTINEX_BENCH_SETUP_ONLY=1 prints the settings only)"
