#!/usr/bin/env bash
# Bulk scoring figures (README "Speed"), each next to its baseline measured in the same run:
#   1. bench engine: inference of the engine's float32 row path vs a bare TorchSharp forward (same network, same batch),
#   2. bench cluster: rows/s with 10,000-row requests over 3 nodes (gateway -> entity -> gateway) vs a bare TorchSharp
#      forward of the same network and batch in the gateway process,
#   3. single-row latency at concurrency 1 and 16, with the gateway's coalescing of small predicts off and on,
#   4. a 1,000,000-row CSV streamed through `predict -f rows.csv` and a 1,000,000-row predict_rows request (records) through
#      `predict -f request.json`: rows/s, and the holding node's RSS before / after (memory back to its baseline).
# Own temporary run folder and free ports (deploy/lib/bench-isolation.sh): a user's .run/, data and cluster are never touched.
# Usage: bash deploy/lib/scale-bulk.sh [DURATION=10s]   (called by deploy/bench-scale.sh; runs alone as well)
#        ANTINEX_BENCH_BULK_SECTIONS="1 2" runs only those sections (default: all four).
#        ANTINEX_BENCH_BASE_PORT=P pins the ports (P.. nodes, P+10.. health, P+20 Redis) instead of picking free ones.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DURATION="${1:-10s}"
SECTIONS=" ${ANTINEX_BENCH_BULK_SECTIONS:-1 2 3 4} "
section() { [[ "$SECTIONS" == *" $1 "* ]]; }
source "$REPO/deploy/lib/bench-isolation.sh"
bench_isolate bulk 3
if [ -n "${ANTINEX_BENCH_BASE_PORT:-}" ]; then # pinned ports: nodes at BASE.., health at BASE+10.., Redis at BASE+20
  export ANTINEX_BASE_PORT=$ANTINEX_BENCH_BASE_PORT ANTINEX_HEALTH_BASE=$((ANTINEX_BENCH_BASE_PORT + 10))
  export ANTINEX_REDIS_PORT=$((ANTINEX_BENCH_BASE_PORT + 20))
fi
export ANTINEX_NODE_ARGS="--stable-after 5s --torch-threads 1"
CLUSTER="bash $REPO/deploy/cluster.sh"
GW() { $CLUSTER gateway "$@"; }
DATA="$ANTINEX_RUN_DIR/data"
LABELS=(bulk-1 bulk-2 bulk-3 bulk-4 bulk-5 bulk-6)
trap bench_cleanup EXIT
mkdir -p "$DATA"
bench_setup_done

node_rss_mb() { # RSS of the node holding label $1, in MB
  local port k pid
  port=$(GW describe "$1" --json | sed -n 's/.*"node": "[^:]*:\([0-9]*\)".*/\1/p')
  k=$((port - ANTINEX_BASE_PORT + 1))
  pid=$(cat "$ANTINEX_RUN_DIR/pids/node-$k.pid")
  echo $(( $(ps -o rss= -p "$pid") / 1024 ))
}

dotnet build "$REPO/AntiNex.Node/AntiNex.Node.csproj" -c "$ANTINEX_CONFIGURATION" --nologo -v q >/dev/null
dotnet build "$REPO/AntiNex.Gateway/AntiNex.Gateway.csproj" -c "$ANTINEX_CONFIGURATION" --nologo -v q >/dev/null

if section 1; then
  echo "== 1. engine inference vs bare TorchSharp (one process, 1 thread)"
  GW bench engine --train-rows 20000 --epochs 1 --inference-rows 1000000 --inference-batch 10000 --single-predicts 1000
fi
[ "$SECTIONS" != " 1 " ] || exit 0

$CLUSTER start 3
$CLUSTER wait-ready 3 180
GW generate --rows 4000 --out "$DATA/train.csv" >/dev/null
for label in "${LABELS[@]}"; do
  sed -e "s#\"label\": \"[^\"]*\"#\"label\": \"$label\"#" -e "s#\"dataset\": \"[^\"]*\"#\"dataset\": \"$DATA/train.csv\"#" \
      -e 's#"epochs": [0-9]*#"epochs": 2#' "$REPO/training/demo-synthetic.json" >"$DATA/$label.json"
  GW train -f "$DATA/$label.json" --json >/dev/null 2>&1
done
labels_csv=$(IFS=,; echo "${LABELS[*]}")
GW bench cluster -l "$labels_csv" -c 2 -d 2s --warmup 2s --bare-layers none >/dev/null 2>&1 || true   # loads every model

if section 2; then
  echo "== 2. bulk: 10,000-row requests over 3 nodes (--torch-threads 1), concurrency 6, vs bare TorchSharp (128-64-1, batch 10,000)"
  # 5 s of warm-up: the fresh gateway process must reach tier-1 code before the figure (2 s was not enough on a loaded machine)
  GW bench cluster -l "$labels_csv" -c 6 -d "$DURATION" --warmup 5s --rows 10000 --rows-from "$DATA/train.csv" || true
fi

if section 3; then
  echo "== 3. single-row latency, gateway coalescing off / on"
  for c in 1 16; do
    for mode in off on; do
      echo "-- concurrency $c, coalescing $mode"
      GW bench cluster -l "$labels_csv" -c "$c" -d "$DURATION" --rows 1 --coalesce "$mode" --bare-layers none || true
    done
  done
fi
section 4 || exit 0

echo "== 4. one million rows through predict -f (CSV streamed, and a predict_rows request in records orientation)"
GW generate --rows 1000000 --out "$DATA/million.csv" >/dev/null
before=$(node_rss_mb bulk-1)
GW predict -f "$DATA/million.csv" --label bulk-1 --out "$DATA/million.predictions.csv"
echo "predictions written: $(($(wc -l <"$DATA/million.predictions.csv") - 1)) rows"
after=$(node_rss_mb bulk-1)
# A 1,000,000-row JSON request (records) for a label trained on 6 features (keeps the file near 100 MB).
small='["ip_len","ip_tos","tcp_dport","tcp_sport","udp_len","icmp_type"]'
sed -e "s#\"label\": \"[^\"]*\"#\"label\": \"bulk-small\"#" -e "s#\"dataset\": \"[^\"]*\"#\"dataset\": \"$DATA/train.csv\"#" \
    -e 's#"epochs": [0-9]*#"epochs": 2#' "$REPO/training/demo-synthetic.json" \
  | tr '\n' ' ' | sed -e "s#\"features_to_process\": \[[^]]*\]#\"features_to_process\": $small#" >"$DATA/bulk-small.json"
GW train -f "$DATA/bulk-small.json" --json >/dev/null 2>&1
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; printf "{\"label\": \"bulk-small\", \"predict_rows\": ["; next }
  { printf "%s{\"ip_len\":%s,\"ip_tos\":%s,\"tcp_dport\":%s,\"tcp_sport\":%s,\"udp_len\":%s,\"icmp_type\":%s}", (NR > 2 ? "," : ""),
      $col["ip_len"], $col["ip_tos"], $col["tcp_dport"], $col["tcp_sport"], $col["udp_len"], $col["icmp_type"] }
  END { print "]}" }' "$DATA/million.csv" >"$DATA/million.json"
echo "request: $(( $(stat -c %s "$DATA/million.json") / 1048576 )) MB"
GW predict -f "$DATA/million.json" --json >"$DATA/million.reply.json"
grep -o '"summary": "[^"]*"' "$DATA/million.reply.json" || head -c 400 "$DATA/million.reply.json"
sleep 5
echo "node holding bulk-1: RSS ${before} MB before the 1M-row CSV, ${after} MB after it, $(node_rss_mb bulk-1) MB after both requests"
