#!/usr/bin/env bash
# Cluster figures on loopback (README "Benchmarks"): a 3-node cluster from deploy/cluster.sh in its own temporary run
# folder and on its own free ports (deploy/lib/bench-isolation.sh: a user's .run/ and cluster are never touched), 6 labels trained on generated data, then:
#   1. single-row predict latency gateway -> model -> gateway (concurrency 1) and under load (concurrency 16),
#   2. predict throughput with in-entity batching (100 rows per request, concurrency 16),
#   3. memory per loaded model (node RSS before vs after training/loading the 6 models),
#   4. kill -9 of the node holding a label during a bench: longest outage = kill -> first successful predict,
#   5. rebalance: time until a newly added node holds shards.
# Usage: bash deploy/bench-cluster.sh [--tls|--insecure] [DURATION=15s]   (env ANTINEX_BENCH_STABLE_AFTER, default 5s)
# --tls (the default, as cluster.sh) runs the members with mutual TLS, --insecure plaintext; both modes side by side in
# one run: deploy/bench-tls.sh.
set -euo pipefail
insecure=false
case "${1:-}" in
  --tls) shift ;;
  --insecure) insecure=true; shift ;;
esac
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DURATION="${1:-15s}"
source "$REPO/deploy/lib/bench-isolation.sh"
bench_isolate cluster 4   # 3 nodes, then one added
# After the isolation, which clears every inherited ANTINEX_* variable.
if [ "$insecure" = true ]; then export ANTINEX_INSECURE=true; fi
STABLE_AFTER="${ANTINEX_BENCH_STABLE_AFTER:-5s}"
export ANTINEX_NODE_ARGS="--stable-after $STABLE_AFTER --torch-threads 1"
CLUSTER="bash $REPO/deploy/cluster.sh"
GW() { $CLUSTER gateway "$@"; }
LABELS=(bench-1 bench-2 bench-3 bench-4 bench-5 bench-6)
DATA="$ANTINEX_RUN_DIR/data"

trap bench_cleanup EXIT
mkdir -p "$DATA"
bench_setup_done

rss_kb() { # total RSS of the running node processes
  local total=0 f pid
  for f in "$ANTINEX_RUN_DIR"/pids/node-*.pid; do
    pid=$(cat "$f"); kill -0 "$pid" 2>/dev/null || continue
    total=$((total + $(ps -o rss= -p "$pid")))
  done
  echo "$total"
}

dotnet build "$REPO/AntiNex.Node/AntiNex.Node.csproj" -c "$ANTINEX_CONFIGURATION" --nologo -v q >/dev/null
dotnet build "$REPO/AntiNex.Gateway/AntiNex.Gateway.csproj" -c "$ANTINEX_CONFIGURATION" --nologo -v q >/dev/null
$CLUSTER start 3
$CLUSTER wait-ready 3 180
GW generate --rows 4000 --out "$DATA/bench.csv" >/dev/null
sleep 3
rss_before=$(rss_kb)

# Requests: the demo request with a small network and few epochs, one per label.
for label in "${LABELS[@]}"; do
  sed -e "s#\"label\": \"[^\"]*\"#\"label\": \"$label\"#" -e "s#\"dataset\": \"[^\"]*\"#\"dataset\": \"$DATA/bench.csv\"#" \
      -e 's#"epochs": [0-9]*#"epochs": 3#' "$REPO/training/demo-synthetic.json" >"$DATA/$label.json"
  GW train -f "$DATA/$label.json" --json >"$DATA/$label.trained.json" 2>/dev/null
done
GW models
labels_csv=$(IFS=,; echo "${LABELS[*]}")
GW bench cluster -l "$labels_csv" -c 1 -d 3s --warmup 2s >/dev/null 2>&1 || true   # loads every model
rss_after=$(rss_kb)
echo "memory: node RSS total ${rss_before} kB before -> ${rss_after} kB with 6 models loaded: ~$(( (rss_after - rss_before) / 6 )) kB per loaded model (incl. torch allocator growth)"

echo "== single-row latency, concurrency 1";  GW bench cluster -l "$labels_csv" -c 1 -d "$DURATION" --rows 1 || true
echo "== single-row, concurrency 16";          GW bench cluster -l "$labels_csv" -c 16 -d "$DURATION" --rows 1 || true
echo "== batched: 100 rows/request, concurrency 16"; GW bench cluster -l "$labels_csv" -c 16 -d "$DURATION" --rows 100 || true

# Failover: kill -9 the node holding bench-1 while a bench runs; the bench reports the longest outage per label.
node=$(GW describe bench-1 --json | sed -n 's/.*"node": "[^:]*:\([0-9]*\)".*/\1/p')
k=$((node - ANTINEX_BASE_PORT + 1))
echo "== kill -9 node $k (port $node, holds bench-1) during a 60 s bench (SBR stable-after $STABLE_AFTER)"
GW bench cluster -l "$labels_csv" -c 4 -d 60s --timeout 2s >"$DATA/failover.txt" 2>&1 &
bench_pid=$!
bench_track "$bench_pid"   # stopped by the EXIT trap if this script fails meanwhile
sleep 12
$CLUSTER kill "$k"
wait "$bench_pid" || true
cat "$DATA/failover.txt"

# Rebalance: add a node and time until it holds shards.
echo "== rebalance onto a new node"
$CLUSTER add
start=$(date +%s.%N)
new_port=$((ANTINEX_BASE_PORT + 3))   # cluster.sh numbers nodes by pid file: the added node is node 4
for _ in $(seq 1 60); do
  if GW status --json | tr -d '\n ' | grep -qE "\"address\":\"akka(\.ssl)?\.tcp://antinex@127.0.0.1:$new_port\"[^}]*\"shards\":[1-9]"; then
    echo "new node holds shards $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s after start (includes its process start-up and join)"
    break
  fi
  sleep 1
done
GW status
