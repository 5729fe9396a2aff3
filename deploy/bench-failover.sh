#!/usr/bin/env bash
# Failover figures on loopback (README "Failover"): a 3-node cluster from deploy/cluster.sh with default failure
# detection and read replicas, in its own run folder and ports, two labels A and B trained, then predict load on both
# (concurrency 4, 5 s timeout) during:
#   (a) kill -9 of the node holding A's writer       -> errors, timeouts, longest gap, p99/max; time until A's writer is back
#   (b) SIGSTOP of the node holding B's writer, 30 s -> the same (the node is downed meanwhile; it is started again after)
#   (c) a rolling restart of the 3 nodes              -> the same
#   (d) SIGTERM of the node holding A's writer        -> time until A's writer is back (graceful hand-off)
# plus single-row p50/p99 at concurrency 1 without faults and the memory of the loaded copies (writers + replicas).
# The cluster is a throw-away plaintext one (--insecure) on loopback; nothing of .run/ is touched.
# Usage: bash deploy/bench-failover.sh [LOAD_SECONDS=60]
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOAD="${1:-60}"
export ANTINEX_RUN_DIR="${ANTINEX_RUN_DIR:-/tmp/antinex-bench-failover}"
export ANTINEX_BASE_PORT="${ANTINEX_BASE_PORT:-4253}"
export ANTINEX_HEALTH_BASE="${ANTINEX_HEALTH_BASE:-8760}"
export ANTINEX_REDIS_PORT="${ANTINEX_REDIS_PORT:-6590}"
export ANTINEX_CONFIGURATION="${ANTINEX_CONFIGURATION:-Release}"
export ANTINEX_NODE_ARGS="${ANTINEX_NODE_ARGS:---insecure --torch-threads 1}"
CLUSTER="bash $REPO/deploy/cluster.sh"
GW() { $CLUSTER gateway "$@" --insecure 2>/dev/null; }
DATA="$ANTINEX_RUN_DIR/data"
OUT="$ANTINEX_RUN_DIR/figures"

cleanup() { $CLUSTER stop all >/dev/null 2>&1 || true; }
trap cleanup EXIT

rss_kb() { local total=0 f pid; for f in "$ANTINEX_RUN_DIR"/pids/node-*.pid; do pid=$(cat "$f"); kill -0 "$pid" 2>/dev/null || continue
  total=$((total + $(ps -o rss= -p "$pid"))); done; echo "$total"; }
now() { date +%H:%M:%S.%3N; }
seconds_between() { awk -v a="$1" -v b="$2" 'BEGIN{split(a,x,":");split(b,y,":");printf "%.1f",(y[1]*3600+y[2]*60+y[3])-(x[1]*3600+x[2]*60+x[3])}'; }
holder_of() { GW describe "$1" --json | sed -n 's/^  "node": "[^:]*:\([0-9]*\)".*/\1/p' | head -1; }
node_index() { echo $(($1 - ANTINEX_BASE_PORT + 1)); }
# First log line after $2 where a node other than $3 loads label $1's writer: "model a: version N loaded".
writer_back_at() {
  local label=$1 since=$2 not=$3 k line
  for k in 1 2 3; do [ "$k" = "$not" ] && continue
    line=$(grep -h "model $label: version [0-9]* loaded" "$ANTINEX_RUN_DIR/logs/node-$k.log" | awk -v s="$since" '$1 > s {print $1; exit}')
    [ -n "$line" ] && echo "$line"
  done | sort | head -1
}
summary() { # summary NAME FILE: the figures of one bench run
  python3 - "$1" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[2]))
print(f"{sys.argv[1]:<22} requests {r['requests']:>7}  errors {r['errors']}  timeouts {r['timeouts']}  p50 {r['p50_ms']:.2f} ms  "
      f"p99 {r['p99_ms']:.2f} ms  max {r['max_ms']:.0f} ms  longest gap {max(r.get('longest_gap_ms', {'-': 0}).values()):.0f} ms  "
      f"answered by {r.get('answered_by', {})}")
PY
}

dotnet build "$REPO/AntiNex.Node/AntiNex.Node.csproj" -c "$ANTINEX_CONFIGURATION" --nologo -v q >/dev/null
dotnet build "$REPO/AntiNex.Gateway/AntiNex.Gateway.csproj" -c "$ANTINEX_CONFIGURATION" --nologo -v q >/dev/null
rm -rf "$ANTINEX_RUN_DIR"; mkdir -p "$DATA" "$OUT"
$CLUSTER start 3 >/dev/null
$CLUSTER wait-ready 3 180
sleep 3
rss_empty=$(rss_kb)
$CLUSTER gateway generate --rows 4000 --out "$DATA/bench.csv" >/dev/null
for label in A B; do
  sed -e "s#\"label\": \"[^\"]*\"#\"label\": \"$label\"#" -e "s#\"dataset\": \"[^\"]*\"#\"dataset\": \"$DATA/bench.csv\"#" \
      -e 's#"epochs": [0-9]*#"epochs": 3#' "$REPO/training/demo-synthetic.json" >"$DATA/$label.json"
  GW train -f "$DATA/$label.json" --json >"$DATA/$label.trained.json"
done
sleep 5   # replicas load
GW bench cluster -l A -l B -c 1 -d 5s --json >/dev/null || true   # every copy loaded and warm
rss_loaded=$(rss_kb)
echo "memory: node RSS total ${rss_empty} kB without models -> ${rss_loaded} kB with A and B loaded on their writers and one replica each:"
echo "        ~$(( (rss_loaded - rss_empty) / 4 )) kB per loaded copy; a replica costs one copy per label on its node (incl. torch allocator growth)"

GW bench cluster -l A -l B -c 1 -d 20s --json >"$OUT/baseline.json" || true
summary "no fault, c=1" "$OUT/baseline.json"

# (a) kill -9 of A's writer 15 s into the load
k=$(node_index "$(holder_of A)")
GW bench cluster -l A -l B -c 4 -d "${LOAD}s" --timeout 5s --json >"$OUT/kill9.json" &
bench=$!; sleep 15; killed_at=$(now); $CLUSTER kill "$k" >/dev/null
wait "$bench" || true
summary "(a) kill -9 node $k" "$OUT/kill9.json"
back=$(writer_back_at a "$killed_at" "$k"); echo "    writer of A back ${back:+$(seconds_between "$killed_at" "$back") s after kill -9}${back:-: not seen}"
$CLUSTER restart "$k" >/dev/null; $CLUSTER wait-ready 3 180 >/dev/null; sleep 8

# (b) SIGSTOP of B's writer for 30 s, 10 s into the load; the downed node is started again afterwards
k=$(node_index "$(holder_of B)")
GW bench cluster -l A -l B -c 4 -d "${LOAD}s" --timeout 5s --json >"$OUT/sigstop.json" &
bench=$!; sleep 10; pid=$(cat "$ANTINEX_RUN_DIR/pids/node-$k.pid"); kill -STOP "$pid"; sleep 30; kill -CONT "$pid"
wait "$bench" || true
summary "(b) SIGSTOP 30 s node $k" "$OUT/sigstop.json"
for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done   # downed: it shuts itself down
$CLUSTER restart "$k" >/dev/null; $CLUSTER wait-ready 3 180 >/dev/null; sleep 8

# (c) rolling restart under load
GW bench cluster -l A -l B -c 4 -d "$((LOAD + 30))s" --timeout 5s --json >"$OUT/rolling.json" &
bench=$!; sleep 5; $CLUSTER rolling-restart >/dev/null
wait "$bench" || true
summary "(c) rolling restart" "$OUT/rolling.json"
sleep 5

# (d) SIGTERM of A's writer under load: graceful hand-off
k=$(node_index "$(holder_of A)")
GW bench cluster -l A -l B -c 4 -d 20s --timeout 5s --json >"$OUT/sigterm.json" &
bench=$!; sleep 5; stopped_at=$(now); $CLUSTER stop "$k" >/dev/null
wait "$bench" || true
summary "(d) SIGTERM node $k" "$OUT/sigterm.json"
back=$(writer_back_at a "$stopped_at" "$k"); echo "    writer of A back ${back:+$(seconds_between "$stopped_at" "$back") s after SIGTERM}${back:-: not seen}"
echo "raw results: $OUT/*.json"
