#!/usr/bin/env bash
# HTTP service figures on loopback (README "Benchmarks"), in a run folder and ports of its own (never .run/ or the
# user's cluster): a 1-node cluster from deploy/cluster.sh, one model trained on generated data, `serve` with a
# throw-away API key, then in the same run:
#   1. single-row infer over HTTP (Open Inference Protocol v2), concurrency 1 and 16, all outputs and predicted only;
#   2. the console path (gateway -> model -> gateway, no HTTP): `bench cluster`, concurrency 1 and 16;
#   3. one 10,000-row infer request: rows/s.
# Usage: bash deploy/bench-http.sh [DURATION=10s]
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DURATION="${1:-10s}"
export ANTINEX_RUN_DIR="${ANTINEX_RUN_DIR:-/tmp/antinex-bench-http}"
export ANTINEX_BASE_PORT="${ANTINEX_BASE_PORT:-4253}"
export ANTINEX_HEALTH_BASE="${ANTINEX_HEALTH_BASE:-8760}"
export ANTINEX_REDIS_PORT="${ANTINEX_REDIS_PORT:-6590}"
export ANTINEX_CONFIGURATION="${ANTINEX_CONFIGURATION:-Release}"
export ANTINEX_NODE_ARGS="${ANTINEX_NODE_ARGS:---stable-after 3s}"
HTTP_PORT="${ANTINEX_BENCH_HTTP_PORT:-8180}"
CLUSTER="bash $REPO/deploy/cluster.sh"
GW() { $CLUSTER gateway "$@"; }
LABEL=bench-http
DATA="$ANTINEX_RUN_DIR/data"
KEY="$ANTINEX_RUN_DIR/api-key"
URL="http://127.0.0.1:$HTTP_PORT"
SERVE_PID=""

cleanup() {
  if [ -n "$SERVE_PID" ]; then kill -- -"$SERVE_PID" 2>/dev/null || true; fi
  $CLUSTER stop all >/dev/null 2>&1 || true
}
trap cleanup EXIT

dotnet build "$REPO/AntiNex.Node/AntiNex.Node.csproj" -c "$ANTINEX_CONFIGURATION" --nologo -v q >/dev/null
dotnet build "$REPO/AntiNex.Gateway/AntiNex.Gateway.csproj" -c "$ANTINEX_CONFIGURATION" --nologo -v q >/dev/null
rm -rf "$ANTINEX_RUN_DIR"; mkdir -p "$DATA"
$CLUSTER start 1
$CLUSTER wait-ready 1 180
GW generate --rows 4000 --out "$DATA/bench.csv" >/dev/null
sed -e "s#\"label\": \"[^\"]*\"#\"label\": \"$LABEL\"#" -e "s#\"dataset\": \"[^\"]*\"#\"dataset\": \"$DATA/bench.csv\"#" \
    -e 's#"epochs": [0-9]*#"epochs": 3#' "$REPO/training/demo-synthetic.json" >"$DATA/$LABEL.json"
GW train -f "$DATA/$LABEL.json" --json >/dev/null 2>&1

(umask 077; GW serve keys add --id bench --scopes predict,read --file "$ANTINEX_RUN_DIR/api-keys.json" 2>/dev/null >"$KEY")
setsid $CLUSTER gateway serve --api-keys "$ANTINEX_RUN_DIR/api-keys.json" --urls "$URL" --rate-limit 0 \
  >"$ANTINEX_RUN_DIR/serve.log" 2>&1 </dev/null &
SERVE_PID=$!
for _ in $(seq 1 120); do
  if { exec 5<>"/dev/tcp/127.0.0.1/$HTTP_PORT"; } 2>/dev/null; then
    printf 'GET /v2/health/ready HTTP/1.0\r\n\r\n' >&5; IFS= read -r -t 3 status <&5 || status=""; exec 5<&- 5>&-
    case "$status" in *" 200"*) break ;; esac
  fi
  sleep 1
done

echo "machine: $(nproc) cores; $(uptime | sed 's/.*load/load/')"
BENCH() { GW serve bench --url "$URL" --api-key-file "$KEY" -l "$LABEL" "$@"; }
echo "== HTTP (Open Inference Protocol v2), single row"
BENCH -c 1 -d "$DURATION" || true
BENCH -c 16 -d "$DURATION" || true
BENCH -c 1 -d "$DURATION" --predicted-only || true
BENCH -c 16 -d "$DURATION" --predicted-only || true
echo "== console path (gateway actor -> model entity, no HTTP), single row"
GW bench cluster -l "$LABEL" -c 1 -d "$DURATION" --rows 1 || true
GW bench cluster -l "$LABEL" -c 16 -d "$DURATION" --rows 1 || true
echo "== one request of 10,000 rows (rows/s = rows x requests / seconds)"
BENCH -c 1 -d "$DURATION" --rows 10000 || true
BENCH -c 1 -d "$DURATION" --rows 10000 --predicted-only || true
