#!/usr/bin/env bash
# The main job (README "Quick start", command 1). On a fresh Debian/Ubuntu machine with the .NET 10 SDK it:
#   1. installs what is missing (redis-server from apt; NuGet packages; the TorchSharp load fix is part of the build),
#   2. builds Release,
#   3. generates the synthetic traffic dataset (deterministic; no ../shared needed),
#   4. starts Redis (AOF on, password) and a local 3-node cluster with mutual TLS (deploy/cluster.sh makes the
#      certificates and the Redis password on first start, in .run/certs and .run/secrets),
#   5. trains the demo model through the gateway, predicts with it, prints the report,
#   6. tells you how to keep going. The cluster keeps running; `bash deploy/cluster.sh stop` stops it.
# Idempotent: run it again and it reuses the build, the data and the running cluster, and retrains the model.
#
# Settings (environment): ANTINEX_DEMO_ROWS (20000), ANTINEX_DEMO_SEED (42), ANTINEX_DEMO_NODES (3),
# plus every ANTINEX_* variable of deploy/cluster.sh (ports, run folder, data root).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
source deploy/lib/prereqs.sh

ROWS="${ANTINEX_DEMO_ROWS:-20000}"
SEED="${ANTINEX_DEMO_SEED:-42}"
NODES="${ANTINEX_DEMO_NODES:-3}"
RUN_DIR="${ANTINEX_RUN_DIR:-$REPO/.run}"
DATA_ROOT="${ANTINEX_DATA_ROOT:-$RUN_DIR/data}"
export ANTINEX_RUN_DIR="$RUN_DIR" ANTINEX_DATA_ROOT="$DATA_ROOT"
TRAIN_REQUEST=training/demo-synthetic.json
PREDICT_REQUEST=training/demo-synthetic-predict.json
GATEWAY="bash deploy/cluster.sh gateway"

# The HTTP service's port, checked before any work: another program there would answer the readiness probe at the end
# in our service's place.
HTTP_PORT="${ANTINEX_HTTP_PORT:-8080}"
PID_DIR="$RUN_DIR/pids"
source deploy/lib/serve-pid.sh
serve_alive() { [ -n "$(serve_pid)" ]; }
# Our HTTP service from an earlier run, on another port than asked: stopped, and started again on this one below.
if serve_alive && [ "$(serve_port)" != "$HTTP_PORT" ]; then bash deploy/cluster.sh stop http; fi
if ! serve_alive && (exec 5<>"/dev/tcp/127.0.0.1/$HTTP_PORT") 2>/dev/null; then
  echo "demo: port $HTTP_PORT (the HTTP service) is in use by another process; pick another with ANTINEX_HTTP_PORT" >&2
  exit 1
fi

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1/6 prerequisites"
ensure_dotnet
ensure_redis_server
ensure_openssl
ensure_fonts
echo "dotnet $(dotnet --version), $(redis-server --version | awk '{print $1, $2, $3}')"

step "2/6 build (Release)"
# Nodes already running keep the binaries they started with; say so rather than restart them behind your back.
running_before=""
for pidfile in "$RUN_DIR"/pids/node-*.pid; do
  [ -e "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null && running_before=1
done
# The build's chatter goes to a log; it is shown only when the build fails.
mkdir -p "$RUN_DIR/logs"
build_log="$RUN_DIR/logs/build.log"
if ! { dotnet restore AntiNex.Cluster.sln --nologo -v q &&
       dotnet build AntiNex.Node/AntiNex.Node.csproj -c Release --no-restore --nologo -v q &&
       dotnet build AntiNex.Gateway/AntiNex.Gateway.csproj -c Release --no-restore --nologo -v q; } >"$build_log" 2>&1; then
  grep -E 'error|Error' "$build_log" | tail -30 >&2 || tail -30 "$build_log" >&2
  echo "build failed (full log: $build_log)" >&2
  exit 1
fi
echo "built AntiNex.Node and AntiNex.Gateway (log: $build_log)"

step "3/6 synthetic dataset ($ROWS rows, seed $SEED) in $DATA_ROOT/synthetic/"
# Regenerated only when the size or seed changed (the stamp records them).
stamp="$DATA_ROOT/synthetic/.demo-$ROWS-$SEED"
if [ ! -f "$stamp" ] || [ ! -f "$DATA_ROOT/synthetic/demo.csv" ]; then
  mkdir -p "$DATA_ROOT/synthetic"
  rm -f "$DATA_ROOT"/synthetic/.demo-*
  $GATEWAY generate --rows "$ROWS" --seed "$SEED" --out "$DATA_ROOT/synthetic/demo.csv"
  # Rows the model has never seen (another seed), for the predict step.
  $GATEWAY generate --rows 1000 --seed $((SEED + 1)) --out "$DATA_ROOT/synthetic/demo-predict.csv"
  touch "$stamp"
else
  echo "up to date: $DATA_ROOT/synthetic/demo.csv"
fi

step "4/6 Redis (password) + $NODES-node cluster (mutual TLS)"
bash deploy/cluster.sh start "$NODES"
if [ -n "$running_before" ]; then
  echo "note: the cluster was already running; its nodes use the binaries they were started with."
  echo "      To run a new build: bash deploy/cluster.sh stop && bash deploy/demo.sh (models stay in Redis)."
fi
bash deploy/cluster.sh wait-ready "$NODES" 180

step "5/6 train '$TRAIN_REQUEST' on the cluster"
$GATEWAY train -f "$TRAIN_REQUEST" --timeout 15m

step "6/6 predict '$PREDICT_REQUEST' (1,000 rows the model never saw)"
$GATEWAY predict -f "$PREDICT_REQUEST" --timeout 5m

echo
$GATEWAY models || true

# Training curves and the confusion matrix (PNG), written by the node that trained the model.
plots=$(ls "${ANTINEX_PLOT_DIR:-$RUN_DIR/plots}"/*.png 2>/dev/null || true)
if [ -n "$plots" ]; then echo; echo "plots:"; echo "$plots" | sed 's/^/  /'; fi

cat <<EOF

$(printf '\033[1m')Done. The cluster is still running.$(printf '\033[0m')

  status (members, shards, models per node)   bash deploy/cluster.sh status
  list models                                  bash deploy/cluster.sh gateway models
  describe the demo model                      bash deploy/cluster.sh gateway describe synthetic-traffic-dnn
  predict again                                bash deploy/cluster.sh gateway predict -f $PREDICT_REQUEST
  scale out: start node $((NODES + 1))                      bash deploy/cluster.sh add
  failover: kill -9 node 2, then predict       bash deploy/cluster.sh kill 2
  bring node 2 back                            bash deploy/cluster.sh restart 2
  logs (node K or redis; -f to follow)         bash deploy/cluster.sh logs 1 -f
  more data (any size, streamed)               bash deploy/cluster.sh gateway generate --rows 1000000 --out $DATA_ROOT/synthetic/big.csv
  stop everything (models stay in Redis)       bash deploy/cluster.sh stop

  logs:     $RUN_DIR/logs/        plots (training curves, confusion matrix): ${ANTINEX_PLOT_DIR:-$RUN_DIR/plots}/
  data:     $DATA_ROOT/ (the nodes' --data-root; request paths are relative to it)
  Redis:    127.0.0.1:${ANTINEX_REDIS_PORT:-6390}, AOF in $RUN_DIR/redis/, user antinex, password in $RUN_DIR/secrets/
            (bash deploy/cluster.sh redis-cli ...; a client without the password gets NOAUTH)
  TLS:      cluster CA and member certificates in $RUN_DIR/certs/ (renew: bash deploy/cluster.sh renew-certs)
EOF

# The HTTP service (Open Inference Protocol v2 + the AntiNex API) in the background, as `cluster.sh start http` starts it
# (supervised: started again when the cluster removes it): loopback only, one API key whose SHA-256 is in
# $RUN_DIR/api-keys.json (0600) and whose secret is kept in $RUN_DIR/api-key (0600) for the next runs.
ANTINEX_HTTP_PORT="$HTTP_PORT" bash deploy/cluster.sh start http
cat <<EOF
  HTTP service: http://127.0.0.1:$HTTP_PORT  (log $RUN_DIR/logs/serve.log; stop: bash deploy/cluster.sh stop http)
  API key:      $(cat "$RUN_DIR/api-key")   (scopes predict,read,train,admin; kept in $RUN_DIR/api-key)
  try:          curl -H "Authorization: Bearer \$(cat $RUN_DIR/api-key)" http://127.0.0.1:$HTTP_PORT/api/models
EOF
