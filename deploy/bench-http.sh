#!/usr/bin/env bash
# HTTP service figures on loopback (README "Benchmarks"), in a run folder and ports of its own (never .run/ or the
# user's cluster): a 1-node cluster from deploy/cluster.sh, one model trained on generated data, `serve` with a
# throw-away API key, then in the same run:
#   1. single-row requests at concurrency 1 and 16, back to back: OIP infer with output `predicted`, OIP infer with all
#      outputs, the AntiNex predict API, and the console path (gateway -> model -> gateway, no HTTP: `bench cluster`);
#   2. one 10,000-row infer request: rows/s;
# then one table (markdown) with p50/p99/req/s, the HTTP p50 as a multiple of the console's, the CPU per request of the
# load generator and of `serve` (from /proc, over the measured run: less sensitive to other load than latency), and
# which copy answered (`serve`'s own copy of the model, or a model node).
# Its own temporary run folder and free ports (deploy/lib/bench-isolation.sh; ANTINEX_BENCH_PORT_RANGE=LOW-HIGH keeps
# them in a range): a user's .run/, data and cluster are never touched. ANTINEX_BENCH_HTTP_PORT fixes serve's port
# (it must be free: the bench refuses to load a service it did not start).
# Usage: bash deploy/bench-http.sh [DURATION=10s]
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DURATION="${1:-10s}"
fail() { echo "bench-http.sh: $*" >&2; exit 1; }
source "$REPO/deploy/lib/bench-isolation.sh"
# A fixed port must be free (a user's serve may hold it: its readiness answer would pass for ours, and the load would go
# to it), and the cluster's ports must not take it.
if [ -n "${ANTINEX_BENCH_HTTP_PORT:-}" ]; then
  bench_port_free "$ANTINEX_BENCH_HTTP_PORT" || fail "port $ANTINEX_BENCH_HTTP_PORT (ANTINEX_BENCH_HTTP_PORT) is already in use"
  BENCH_TAKEN_PORTS+="$ANTINEX_BENCH_HTTP_PORT "
fi
bench_isolate http 1
export ANTINEX_NODE_ARGS="--stable-after 3s"
HTTP_PORT="${ANTINEX_BENCH_HTTP_PORT:-$(bench_free_ports 1)}"
CLUSTER="bash $REPO/deploy/cluster.sh"
GW() { $CLUSTER gateway "$@"; }
LABEL=bench-http
DATA="$ANTINEX_RUN_DIR/data"
KEY="$ANTINEX_RUN_DIR/api-key"
URL="http://127.0.0.1:$HTTP_PORT"
SERVE_PID=""

cleanup() {
  if [ -n "$SERVE_PID" ]; then kill -- -"$SERVE_PID" 2>/dev/null || true; fi
  bench_cleanup
}
trap cleanup EXIT
mkdir -p "$DATA"
bench_setup_done

dotnet build "$REPO/AntiNex.Node/AntiNex.Node.csproj" -c "$ANTINEX_CONFIGURATION" --nologo -v q >/dev/null
dotnet build "$REPO/AntiNex.Gateway/AntiNex.Gateway.csproj" -c "$ANTINEX_CONFIGURATION" --nologo -v q >/dev/null
$CLUSTER start 1
$CLUSTER wait-ready 1 180
GW generate --rows 4000 --out "$DATA/bench.csv" >/dev/null
sed -e "s#\"label\": \"[^\"]*\"#\"label\": \"$LABEL\"#" -e "s#\"dataset\": \"[^\"]*\"#\"dataset\": \"$DATA/bench.csv\"#" \
    -e 's#"epochs": [0-9]*#"epochs": 3#' "$REPO/training/demo-synthetic.json" >"$DATA/$LABEL.json"
GW train -f "$DATA/$LABEL.json" --json >/dev/null 2>&1

(umask 077; GW serve keys add --id bench --scopes predict,read --file "$ANTINEX_RUN_DIR/api-keys.json" 2>/dev/null >"$KEY")
# Again now: the port may have been taken since.
# (Only whether something listens: the benchmark itself has taken this port, so bench_port_free would always say no.)
! (exec 3<>"/dev/tcp/127.0.0.1/$HTTP_PORT") 2>/dev/null || fail "port $HTTP_PORT is already in use: not starting serve there"
setsid $CLUSTER gateway serve --api-keys "$ANTINEX_RUN_DIR/api-keys.json" --urls "$URL" --rate-limit 0 \
  >"$ANTINEX_RUN_DIR/serve.log" 2>&1 </dev/null &
SERVE_PID=$!
ready=false
for _ in $(seq 1 120); do
  # Ready only while our own serve runs: an answer from a serve that died (e.g. could not bind) is another program's.
  kill -0 "$SERVE_PID" 2>/dev/null || { tail -20 "$ANTINEX_RUN_DIR/serve.log" >&2; fail "serve exited before it was ready"; }
  if { exec 5<>"/dev/tcp/127.0.0.1/$HTTP_PORT"; } 2>/dev/null; then
    printf 'GET /v2/health/ready HTTP/1.0\r\n\r\n' >&5; IFS= read -r -t 3 status <&5 || status=""; exec 5<&- 5>&-
    case "$status" in *" 200"*) ready=true; break ;; esac
  fi
  sleep 1
done
kill -0 "$SERVE_PID" 2>/dev/null && [ "$ready" = true ] \
  || { tail -20 "$ANTINEX_RUN_DIR/serve.log" >&2; fail "serve on $URL was not ready within 120 s"; }

# The service's own process (under the setsid'd cluster.sh): its CPU per request is read from /proc over each run.
SERVICE_PID=$(ps -o pid=,args= -g "$SERVE_PID" | awk '$0 ~ / serve / && $0 !~ /bash/ {print $1; exit}')
echo "machine: $(nproc) cores; $(uptime | sed 's/.*load/load/')"
RESULTS="$ANTINEX_RUN_DIR/results.jsonl"
: >"$RESULTS"
JSONL() { sed -n '/^{/,$p' | jq -c "$@" >>"$RESULTS" || true; } # the command's JSON document as one line
BENCH() { GW serve bench --url "$URL" --api-key-file "$KEY" -l "$LABEL" --json ${SERVICE_PID:+--service-pid "$SERVICE_PID"} "$@" | JSONL .; }
# Unmeasured: the first infers make `serve` load its own copy of the model (then it answers small infers itself) and
# warm up its code; the runs below say which copy answered (column "answered by").
GW serve bench --url "$URL" --api-key-file "$KEY" -l "$LABEL" --kind predicted -c 2 -d 3s --warmup 5s >/dev/null 2>&1 || true
GW serve bench --url "$URL" --api-key-file "$KEY" -l "$LABEL" --kind all -c 2 -d 2s --warmup 1s >/dev/null 2>&1 || true
# Each concurrency runs the four paths back to back, so they see the same machine load.
for C in 1 16; do
  BENCH --kind predicted -c "$C" -d "$DURATION"
  BENCH --kind all -c "$C" -d "$DURATION"
  BENCH --kind api -c "$C" -d "$DURATION"
  GW bench cluster -l "$LABEL" -c "$C" -d "$DURATION" --rows 1 --json | JSONL '. + {path: "console (bench cluster, no HTTP)"}'
done
BENCH --kind predicted -c 1 -d "$DURATION" --rows 10000
BENCH --kind all -c 1 -d "$DURATION" --rows 10000

echo
echo "| path | concurrency | rows/request | req/s | rows/s | p50 ms | p99 ms | p50 vs console | load generator CPU | serve CPU | answered by |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
jq -rs '
  (map(select(.path | startswith("console"))) | map({key: (.concurrency | tostring), value: .p50_ms}) | from_entries) as $console
  | .[] | . as $r
  | (.rows // .rows_per_request // 1) as $rows
  | "| \(.path) | \(.concurrency) | \($rows) | \(.requests_per_second | round) | \(.rows_per_second | round) | \(.p50_ms * 100 | round / 100)"
    + " | \(.p99_ms * 100 | round / 100)"
    + " | \(if ($rows == 1 and $console[.concurrency | tostring]) then "x\((.p50_ms / $console[.concurrency | tostring]) * 100 | round / 100)" else "" end)"
    + " | \(if .load_generator_cores then "\(.load_generator_cores) cores, \(.load_generator_share * 100 | round) % of busy CPU, \(.load_generator_us_per_request) us/req" else "" end)"
    + " | \(if .service_us_per_request then "\(.service_us_per_request) us/req" else "" end)"
    + " | \(.served_by // "" | if test("local copy") then "serve (local copy)" elif . == "" then "" else "node \(.)" end) |"
' "$RESULTS"
