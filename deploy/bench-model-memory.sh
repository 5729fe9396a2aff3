#!/usr/bin/env bash
# Memory per loaded model: one node; RSS with 1 model loaded (libtorch initialised), then with 1+N models loaded
# (trained through one interactive gateway session, then all served once by `bench cluster`): (RSS_N - RSS_1) / N.
# Own temporary run folder and free ports (deploy/lib/bench-isolation.sh): a user's .run/ and cluster are never touched.
# Usage: bash deploy/bench-model-memory.sh [N=10]
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="${1:-10}"
source "$REPO/deploy/lib/bench-isolation.sh"
bench_isolate model-memory 1
export ANTINEX_NODE_ARGS="--torch-threads 1"
CLUSTER="bash $REPO/deploy/cluster.sh"
GW() { $CLUSTER gateway "$@"; }
DATA="$ANTINEX_RUN_DIR/data"
trap bench_cleanup EXIT
mkdir -p "$DATA"
bench_setup_done
dotnet build "$REPO/AntiNex.Node/AntiNex.Node.csproj" -c "$ANTINEX_CONFIGURATION" --nologo -v q >/dev/null
dotnet build "$REPO/AntiNex.Gateway/AntiNex.Gateway.csproj" -c "$ANTINEX_CONFIGURATION" --nologo -v q >/dev/null
$CLUSTER start 1 >/dev/null
$CLUSTER wait-ready 1 180
GW generate --rows 2000 --out "$DATA/m.csv" >/dev/null 2>&1
rss() { ps -o rss= -p "$(cat "$ANTINEX_RUN_DIR/pids/node-1.pid")" | tr -d ' '; }
session=""
labels=()
for i in $(seq 0 "$N"); do
  sed -e "s#\"label\": \"[^\"]*\"#\"label\": \"mem-$i\"#" -e "s#\"dataset\": \"[^\"]*\"#\"dataset\": \"$DATA/m.csv\"#" \
      -e 's#"epochs": [0-9]*#"epochs": 2#' "$REPO/training/demo-synthetic.json" >"$DATA/mem-$i.json"
  labels+=("mem-$i")
done
GW train -f "$DATA/mem-0.json" >/dev/null 2>&1
GW bench cluster -l mem-0 -c 1 -d 2s --warmup 1s >/dev/null 2>&1 || true
sleep 2; one=$(rss)
for i in $(seq 1 "$N"); do session+="train -f $DATA/mem-$i.json"$'\n'; done
printf '%squit\n' "$session" | GW interactive >/dev/null 2>&1
all=$(IFS=,; echo "${labels[*]}")
GW bench cluster -l "$all" -c 1 -d 3s --warmup 2s >/dev/null 2>&1 || true
sleep 2; many=$(rss)
artifact=$(GW describe mem-1 --json 2>/dev/null | sed -n 's/.*"artifact_bytes": \([0-9]*\).*/\1/p' | head -1)
echo "node RSS: ${one} kB with 1 model loaded, ${many} kB with $((N + 1)) loaded -> $(( (many - one) / N )) kB per additional loaded model (artifact ${artifact:-?} bytes)"
