#!/usr/bin/env bash
# A local AntiNex cluster without Docker: one redis-server (AOF on) and N antinex-node processes on loopback, with
# pid files and logs under .run/ (gitignored). Every setting can be changed with the environment variables below.
# Secure by default: members talk mutual TLS (certificates of a cluster CA made on first start in .run/certs/ by
# deploy/certs.sh) and Redis needs a password (made on first start in .run/secrets/, 0600). ANTINEX_INSECURE=true
# starts plaintext members instead (every member warns at start; Redis keeps its password).
#
#   bash deploy/cluster.sh start [N]      start Redis and nodes 1..N (default 3); running ones are left alone
#   bash deploy/cluster.sh add            start one more node (scale out)
#   bash deploy/cluster.sh start http     start the HTTP service (gateway serve) as the demo does, supervised: started
#                                         again when the cluster removes it (exit 4), until `stop http`
#   bash deploy/cluster.sh stop [K|http|all]  graceful stop (SIGTERM: leaves the cluster, hands its shards off); http: the
#                                         HTTP service and its supervisor; all: everything
#   bash deploy/cluster.sh kill K         kill -9 node K (to watch its models come back elsewhere)
#   bash deploy/cluster.sh restart K|http start node K again (after stop/kill); http: stop and start the HTTP service
#   bash deploy/cluster.sh status         processes, ports, readiness, then the cluster's own view (gateway status)
#   bash deploy/cluster.sh logs [K|redis] [-f]  the last lines of node K's log (default 1) or Redis's; -f follows
#   bash deploy/cluster.sh gateway ARGS   run antinex-gateway against this cluster (e.g. gateway models); gw for short.
#                                         The script becomes the gateway (exec): `... gateway train ... &` then kill $!
#                                         signals the gateway itself
#   bash deploy/cluster.sh seeds          the seed list, comma-separated (for ANTINEX_SEEDS or --seed-node)
#   bash deploy/cluster.sh wait-ready [N] [SECONDS]
#   bash deploy/cluster.sh renew-certs    new certificates for every member (same CA); restart nodes one at a time
#   bash deploy/cluster.sh redis-cli ARGS redis-cli as the cluster's Redis user (password from the secrets folder)
#   bash deploy/cluster.sh rolling-restart  restart every node, one at a time (SIGTERM, start, wait until ready)
#   bash deploy/cluster.sh supervise [stop] watch the nodes in the background and start any that died or was downed
#   bash deploy/cluster.sh sign-journal [--check|--strip]  with every node stopped: sign the journal events stored before
#                                         events were signed (once, after upgrading a run folder from such a version)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$REPO/deploy/lib/secrets.sh"
source "$REPO/deploy/lib/serve-pid.sh"
RUN_DIR="${ANTINEX_RUN_DIR:-$REPO/.run}"
HOST="${ANTINEX_HOST:-127.0.0.1}"
BASE_PORT="${ANTINEX_BASE_PORT:-4053}"          # node K listens on BASE_PORT+K-1 (Akka.Remote)
HEALTH_BASE="${ANTINEX_HEALTH_BASE:-8560}"      # node K serves /health/live|ready on HEALTH_BASE+K-1
PROMETHEUS_BASE="${ANTINEX_PROMETHEUS_BASE:-0}" # >0: node K serves Prometheus /metrics on PROMETHEUS_BASE+K-1
REDIS_PORT="${ANTINEX_REDIS_PORT:-6390}"        # not 6379, so a system Redis is never touched
DATA_ROOT="${ANTINEX_DATA_ROOT:-$RUN_DIR/data}"
# More folders the nodes may read datasets from, ':'-separated (e.g. ../shared/datasets:../shared/datasets/antinex).
EXTRA_DATA_ROOTS="${ANTINEX_EXTRA_DATA_ROOTS:-}"
PLOT_DIR="${ANTINEX_PLOT_DIR:-$RUN_DIR/plots}"
CONFIGURATION="${ANTINEX_CONFIGURATION:-Release}"
NODE_DLL="$REPO/AntiNex.Node/bin/$CONFIGURATION/net10.0/antinex-node.dll"
GATEWAY_DLL="$REPO/AntiNex.Gateway/bin/$CONFIGURATION/net10.0/antinex-gateway.dll"
HTTP_PORT="${ANTINEX_HTTP_PORT:-8080}"            # the HTTP service (gateway serve), loopback only
SERVE_RESTART_PAUSE="${ANTINEX_SERVE_RESTART_PAUSE:-3}" # seconds before serve is started again after the cluster removed it
# Extra node options, e.g. ANTINEX_NODE_ARGS="--training-concurrency 2 --max-loaded-models 50"
NODE_ARGS="${ANTINEX_NODE_ARGS:-}"

# shellcheck source=deploy/lib/redis-acl.sh
source "$REPO/deploy/lib/redis-acl.sh"

LOG_DIR="$RUN_DIR/logs"
PID_DIR="$RUN_DIR/pids"
CERT_DIR="$RUN_DIR/certs"      # cluster CA + one PKCS#12 per member (deploy/certs.sh)
SECRETS_DIR="$RUN_DIR/secrets" # Redis password and ACL file, 0600
INSECURE="${ANTINEX_INSECURE:-false}"
REDIS_USER=antinex
REDIS_PASSWORD_FILE="$SECRETS_DIR/redis.password"

node_port()   { echo $((BASE_PORT + $1 - 1)); }
health_port() { echo $((HEALTH_BASE + $1 - 1)); }
seed_address() { echo "akka.tcp://antinex@$HOST:$(node_port "$1")"; }
# Nodes 1..SEED_COUNT are the seeds, listed in the same order by every node and the gateway. A restarted node joins
# the live members it finds in Redis (the nodes' join guard), so a restarted node 1 never forms a second cluster.
SEED_COUNT="${ANTINEX_SEED_COUNT:-3}"
seeds_csv() { local k out=""; for k in $(seq 1 "$SEED_COUNT"); do out="$out${out:+,}$(seed_address "$k")"; done; echo "$out"; }

say()  { printf '%s\n' "$*"; }
fail() { printf 'cluster.sh: %s\n' "$*" >&2; exit 1; }
# A node is named by its number: anything else (a typo such as "node2") was used in port arithmetic (a bash error) and
# left a stray node-*.stopped marker behind.
node_number() { # node_number K USAGE
  [ -n "${1:-}" ] || fail "usage: $2"
  [[ "$1" =~ ^[1-9][0-9]*$ ]] || fail "'$1' is not a node number (1, 2, ...); usage: $2"
}

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
read_pid()  { [ -f "$1" ] && cat "$1" || true; }
# A pid file can outlive its process (a reboot, an OOM kill), and its number may then belong to another program: a pid
# is trusted, and signalled, only while its command line still holds every given text (what this script started).
owned_pid() { # owned_pid FILE TEXT... -> prints the pid, nothing when the process is gone or is another program
  local pid cmdline text
  pid=$(read_pid "$1"); shift
  pid_alive "$pid" || return 0
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 0
  for text in "$@"; do [[ "$cmdline " == *"$text"* ]] || return 0; done
  echo "$pid"
}
node_pid()      { owned_pid "$PID_DIR/node-$1.pid" antinex-node.dll " --port $(node_port "$1") "; }
redis_pid()     { owned_pid "$PID_DIR/redis.pid" redis-server ":$REDIS_PORT "; }
supervise_pid() { owned_pid "$PID_DIR/supervise.pid" cluster.sh " supervise-loop "; }
serve_loop_pid() { owned_pid "$PID_DIR/serve-loop.pid" cluster.sh " serve-loop "; }

# Port checks with bash's /dev/tcp: no curl/nc needed on a fresh machine.
port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

http_status() { # http_status PORT PATH [HOST] -> prints the HTTP status code (000 when unreachable)
  local port=$1 path=$2 host=${3:-$HOST} line
  if ! { exec 3<>"/dev/tcp/$host/$port"; } 2>/dev/null; then echo 000; return; fi
  printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$path" "$host" >&3
  IFS= read -r -t 3 line <&3 || line=""
  exec 3<&- 3>&-
  set -- $line
  echo "${2:-000}"
}

redis_ping() { # AUTH as the cluster's user, then PING (printf is a builtin: the password never shows in ps)
  # Ours only when AUTH itself succeeds: a Redis whose default user needs no password answers PING after a failed AUTH.
  [ -f "$REDIS_PASSWORD_FILE" ] || return 1
  if ! { exec 4<>"/dev/tcp/$HOST/$REDIS_PORT"; } 2>/dev/null; then return 1; fi
  local auth="" line=""
  printf 'AUTH %s %s\r\nPING\r\n' "$REDIS_USER" "$(head -n1 "$REDIS_PASSWORD_FILE")" >&4
  IFS= read -r -t 2 auth <&4 || true
  IFS= read -r -t 2 line <&4 || true
  exec 4<&- 4>&-
  [[ "$auth" == +OK* && "$line" == +PONG* ]]
}

# The Redis password (random, 0600) and an ACL file holding only its SHA-256 (deploy/lib/redis-acl.sh).
ensure_redis_secret() {
  mkdir -p "$SECRETS_DIR"; chmod 700 "$SECRETS_DIR"
  if [ ! -s "$REDIS_PASSWORD_FILE" ]; then
    (umask 077; openssl rand -hex 32 >"$REDIS_PASSWORD_FILE")
    say "secrets   Redis password created: $REDIS_PASSWORD_FILE (0600)"
  fi
  local hash
  hash=$(tr -d '\n' <"$REDIS_PASSWORD_FILE" | sha256sum | cut -d' ' -f1)
  (umask 077; redis_acl_file "$REDIS_USER" "$hash" >"$SECRETS_DIR/redis-users.acl")
}

redis_cli() { # redis-cli as the cluster's user; the password goes through the environment, not argv
  REDISCLI_AUTH="$(head -n1 "$REDIS_PASSWORD_FILE")" redis-cli -h "$HOST" -p "$REDIS_PORT" --user "$REDIS_USER" "$@"
}

ensure_certs() { # ensure_certs NAME: the CA (first start) and NAME's certificate
  [ "$INSECURE" = true ] && return 0
  bash "$REPO/deploy/certs.sh" init "$CERT_DIR" >/dev/null
  bash "$REPO/deploy/certs.sh" issue "$CERT_DIR" "$1" "$HOST"
}

tls_args() { # tls_args NAME: sets TLS to the node options for NAME's certificate, or --insecure (an array: paths may hold spaces)
  if [ "$INSECURE" = true ]; then TLS=(--insecure); return; fi
  TLS=(--tls-certificate "$CERT_DIR/$1.p12" --tls-password-file "$CERT_DIR/$1.password" --tls-ca "$CERT_DIR/ca.crt")
}

ensure_built() {
  if [ ! -f "$NODE_DLL" ] || [ ! -f "$GATEWAY_DLL" ]; then
    say "building ($CONFIGURATION)..."
    dotnet build "$REPO/AntiNex.Node/AntiNex.Node.csproj" -c "$CONFIGURATION" --nologo -v q
    dotnet build "$REPO/AntiNex.Gateway/AntiNex.Gateway.csproj" -c "$CONFIGURATION" --nologo -v q
  fi
}

start_redis() {
  mkdir -p "$RUN_DIR/redis" "$LOG_DIR" "$PID_DIR"
  chmod 700 "$RUN_DIR/redis" # stored models and the audit stream: not readable without the Redis password
  if redis_ping; then
    say "redis     already answering on $HOST:$REDIS_PORT"
    return
  fi
  command -v redis-server >/dev/null || fail "redis-server is not installed (sudo apt-get install redis-server)"
  if port_open "$REDIS_PORT"; then
    fail "port $REDIS_PORT answers but not to this cluster's Redis password (a Redis started without one? stop it first)"
  fi
  ensure_redis_secret
  # umask 077: the AOF files Redis writes are its owner's only.
  (umask 077; redis-server --port "$REDIS_PORT" --bind "$HOST" --dir "$RUN_DIR/redis" --aclfile "$SECRETS_DIR/redis-users.acl" \
    --appendonly yes --appendfsync everysec --save "" \
    --daemonize yes --pidfile "$PID_DIR/redis.pid" --logfile "$LOG_DIR/redis.log")
  for _ in $(seq 1 50); do redis_ping && break; sleep 0.1; done
  redis_ping || fail "redis-server did not answer on port $REDIS_PORT (see $LOG_DIR/redis.log)"
  say "redis     started on $HOST:$REDIS_PORT (AOF on, data in $RUN_DIR/redis; user $REDIS_USER, password in $REDIS_PASSWORD_FILE)"
}

start_node() {
  local k=$1 port health pid
  port=$(node_port "$k"); health=$(health_port "$k"); pid=$(node_pid "$k")
  if pid_alive "$pid"; then say "node $k    already running (pid $pid, port $port)"; return; fi
  if port_open "$port"; then fail "port $port (node $k) is in use by another process: set ANTINEX_BASE_PORT"; fi
  if port_open "$health"; then fail "port $health (node $k health) is in use: set ANTINEX_HEALTH_BASE"; fi
  mkdir -p "$LOG_DIR" "$PID_DIR" "$DATA_ROOT" "$PLOT_DIR"
  local env=() roots=(--data-root "$DATA_ROOT") root extra=()
  IFS=':' read -r -a extra <<<"$EXTRA_DATA_ROOTS"
  for root in "${extra[@]}"; do [ -n "$root" ] && roots+=(--data-root "$(cd "$REPO" && realpath -m "$root")"); done
  if [ "$PROMETHEUS_BASE" -gt 0 ]; then env+=("ANTINEX_Telemetry__PrometheusPort=$((PROMETHEUS_BASE + k - 1))"); fi
  ensure_certs "node-$k"
  # Resolved here, not inside the backgrounded command below: substitutions there run in the background job, and
  # nodes started one after the other would create the key concurrently.
  local key; key=$(ensure_model_key "$RUN_DIR")
  local TLS; tls_args "node-$k"
  # shellcheck disable=SC2086 # NODE_ARGS is a list of options on purpose
  env "${env[@]}" nohup dotnet "$NODE_DLL" \
    --model-key-file "$key" \
    --hostname "$HOST" --port "$port" --health-port "$health" \
    --seed-node "$(seeds_csv)" \
    --redis "$HOST:$REDIS_PORT" --redis-user "$REDIS_USER" --redis-password-file "$REDIS_PASSWORD_FILE" \
    "${TLS[@]}" "${roots[@]}" --plot-dir "$PLOT_DIR" \
    $NODE_ARGS >>"$LOG_DIR/node-$k.log" 2>&1 &
  echo $! >"$PID_DIR/node-$k.pid"
  # Until the background shell has started dotnet, its command line is still this script's: wait for it to be the node's.
  for _ in $(seq 1 100); do [ -n "$(node_pid "$k")" ] && break; kill -0 "$!" 2>/dev/null || break; sleep 0.05; done
  say "node $k    started (pid $!, akka.tcp port $port, health http://$HOST:$health/health/ready, log $LOG_DIR/node-$k.log)"
}

# The node's own maintenance command with the nodes' Redis and key; it refuses to change anything while a node runs.
sign_journal() {
  local key; key=$(ensure_model_key "$RUN_DIR")
  # shellcheck disable=SC2086 # NODE_ARGS may carry --redis-prefix
  dotnet "$NODE_DLL" sign-journal --model-key-file "$key" \
    --redis "$HOST:$REDIS_PORT" --redis-user "$REDIS_USER" --redis-password-file "$REDIS_PASSWORD_FILE" $NODE_ARGS "$@"
}

node_count() { # highest node index with a pid file
  local max=0 f k
  for f in "$PID_DIR"/node-*.pid; do
    [ -e "$f" ] || continue
    k=${f##*/node-}; k=${k%.pid}
    [ "$k" -gt "$max" ] && max=$k
  done
  echo "$max"
}

wait_ready() { # wait_ready N SECONDS: nodes 1..N answer /health/ready with 200
  local n=$1 timeout=$2 k deadline=$((SECONDS + $2)) pending
  while :; do
    pending=""
    for k in $(seq 1 "$n"); do
      if [ "$(http_status "$(health_port "$k")" /health/ready)" != 200 ]; then pending="$pending $k"; fi
      pid_alive "$(node_pid "$k")" || fail "node $k is not running (see $LOG_DIR/node-$k.log)"
    done
    [ -z "$pending" ] && { say "cluster   ready: nodes 1..$n are Up"; return 0; }
    [ $SECONDS -ge $deadline ] && fail "nodes not ready after ${timeout}s:$pending (see $LOG_DIR/)"
    sleep 1
  done
}

stop_node() { # stop_node K SIGNAL
  local k=$1 signal=${2:-TERM} pid
  pid=$(node_pid "$k")
  if ! pid_alive "$pid"; then say "node $k    not running"; rm -f "$PID_DIR/node-$k.pid"; return; fi
  kill "-$signal" "$pid"
  if [ "$signal" = KILL ]; then
    say "node $k    killed (pid $pid, kill -9): its models recover on the other nodes from Redis"
    rm -f "$PID_DIR/node-$k.pid"
    return
  fi
  # Graceful: the node leaves the cluster and hands its shards off before exiting.
  for _ in $(seq 1 600); do pid_alive "$pid" || break; sleep 0.1; done
  if pid_alive "$pid"; then kill -KILL "$pid"; say "node $k    did not stop in 60 s: killed"; else say "node $k    stopped"; fi
  rm -f "$PID_DIR/node-$k.pid"
}

# The HTTP service: `gateway serve` on 127.0.0.1:HTTP_PORT with the run folder's API keys (the demo's key added on first
# start) and its jobs kept beside them, started by a supervising loop (serve-loop, a session leader: Ctrl-C in the shell
# that started it does not reach it). The cluster removes a gateway that lost contact with its other members for too
# long, and such a gateway cannot join again in the same process: serve then exits 4 and the loop starts it anew.
# pids/serve.pid is serve's own pid (dotnet), pids/serve-loop.pid the loop's.
serve_loop() { # serve_loop PORT
  local port=$1 code
  while :; do
    # The subshell becomes the gateway (exec in gateway()): $! is serve's own pid.
    (gateway serve --api-keys "$RUN_DIR/api-keys.json" --urls "http://127.0.0.1:$port") </dev/null &
    echo $! >"$PID_DIR/serve.pid"
    code=0; wait $! || code=$?
    if [ "$code" != 4 ]; then say "$(date +%T) serve-loop: serve exited $code: not started again"; return; fi
    say "$(date +%T) serve-loop: the cluster removed serve (exit 4): starting it again in ${SERVE_RESTART_PAUSE}s"
    sleep "$SERVE_RESTART_PAUSE"
  done
}

start_http() {
  [ -f "$GATEWAY_DLL" ] || ensure_built
  if [ -n "$(serve_pid)$(serve_loop_pid)" ]; then
    if [ "$(serve_port)" = "$HTTP_PORT" ]; then say "http      already running (pid $(serve_pid), port $HTTP_PORT)"; wait_http_ready; return; fi
    stop_serve # ours, on another port than asked: started again on this one
  fi
  if (exec 5<>"/dev/tcp/127.0.0.1/$HTTP_PORT") 2>/dev/null; then
    fail "port $HTTP_PORT (the HTTP service) is in use by another process; pick another with ANTINEX_HTTP_PORT"
  fi
  mkdir -p "$LOG_DIR" "$PID_DIR"
  ensure_demo_api_key "$RUN_DIR" bash "${BASH_SOURCE[0]}" gateway ||
    fail "could not add the demo API key to $RUN_DIR/api-keys.json (not a key file? move it away, then start again)"
  rm -f "$PID_DIR/serve.pid"
  echo "$HTTP_PORT" >"$PID_DIR/serve.port"
  setsid nohup bash "${BASH_SOURCE[0]}" serve-loop "$HTTP_PORT" >"$LOG_DIR/serve.log" 2>&1 </dev/null &
  echo $! >"$PID_DIR/serve-loop.pid"
  wait_http_ready
  say "http      serving on http://127.0.0.1:$HTTP_PORT (pid $(serve_pid), log $LOG_DIR/serve.log; started again when the" \
      "cluster removes it, until cluster.sh stop http)"
}

wait_http_ready() { # /v2/health/ready answers 200 within 120 s, or the end of serve.log is shown and the script fails
  for _ in $(seq 1 240); do
    [ "$(http_status "$HTTP_PORT" /v2/health/ready 127.0.0.1)" = 200 ] && return 0
    [ -n "$(serve_pid)$(serve_loop_pid)" ] || break
    sleep 0.5
  done
  tail -n 20 "$LOG_DIR/serve.log" >&2 || true
  fail "the HTTP service did not become ready on port $HTTP_PORT (the end of $LOG_DIR/serve.log above)"
}

stop_serve() { # the loop first (it would start serve again), then serve; SIGTERM to both, SIGKILL after 10 s
  local loop pid; loop=$(serve_loop_pid); pid=$(serve_pid)
  if [ -n "$loop$pid" ]; then
    # The loop is a session leader: its group holds the loop, serve and a pause's sleep. A serve started by an older
    # version of this script is a group leader too (a wrapper shell).
    [ -n "$loop" ] && { kill -TERM -- "-$loop" 2>/dev/null || kill -TERM "$loop"; }
    [ -n "$pid" ] && { kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; }
    for _ in $(seq 1 100); do serve_running "$loop" "$pid" || break; sleep 0.1; done
    if serve_running "$loop" "$pid"; then
      for p in $loop $pid; do kill -KILL -- "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null || true; done
      say "http      did not stop in 10 s: killed"
    else say "http      stopped"; fi
  fi
  rm -f "$PID_DIR/serve.pid" "$PID_DIR/serve.port" "$PID_DIR/serve-loop.pid"
}

serve_running() { # serve_running LOOP_PID SERVE_PID: any of them, or of the loop's group, still there
  local p
  for p in "$@"; do [ -n "$p" ] && { kill -0 -- "-$p" 2>/dev/null || pid_alive "$p"; } && return 0; done
  return 1
}

stop_redis() {
  local pid; pid=$(redis_pid)
  if pid_alive "$pid"; then
    kill -TERM "$pid"
    for _ in $(seq 1 100); do pid_alive "$pid" || break; sleep 0.1; done
    say "redis     stopped (data kept in $RUN_DIR/redis; rm -rf $RUN_DIR to start from scratch)"
  fi
}

status() {
  local n k pid port health ready state
  n=$(node_count)
  printf '%-8s %-8s %-22s %-14s %s\n' "member" "pid" "address" "health-port" "state"
  if redis_ping; then state="answering (AOF on)"; else state="DOWN"; fi
  printf '%-8s %-8s %-22s %-14s %s\n' "redis" "$(redis_pid)" "$HOST:$REDIS_PORT" "-" "$state"
  for k in $(seq 1 "$n"); do
    pid=$(node_pid "$k"); port=$(node_port "$k"); health=$(health_port "$k")
    if pid_alive "$pid"; then
      ready=$(http_status "$health" /health/ready)
      case "$ready" in 200) state="ready";; 503) state="running, not ready yet";; *) state="running, health port silent";; esac
    else pid="-"; state="stopped"; fi
    printf '%-8s %-8s %-22s %-14s %s\n' "node $k" "$pid" "$HOST:$port" "$health" "$state"
  done
  # The HTTP service (start http, the demo), when there is one.
  if [ -f "$PID_DIR/serve.pid" ] || [ -f "$PID_DIR/serve-loop.pid" ]; then
    pid=$(serve_pid)
    if [ -n "$pid" ]; then state="serving (log $RUN_DIR/logs/serve.log)"
    elif [ -n "$(serve_loop_pid)" ]; then pid="-"; state="starting again (removed by the cluster; log $RUN_DIR/logs/serve.log)"
    else pid="-"; state="stopped"; fi
    printf '%-8s %-8s %-22s %-14s %s\n' "http" "$pid" "127.0.0.1:$(serve_port)" "-" "$state"
  fi
  say ""
  if [ "$n" -gt 0 ]; then (gateway status) || true; fi
}

gateway() { # the gateway's certificate and the Redis credentials (for `gateway queue`) go through the environment
  [ -f "$GATEWAY_DLL" ] || ensure_built
  ensure_certs gateway >/dev/null
  # The gateway binds this cluster's host, whatever ANTINEX_GATEWAY_HOSTNAME the shell holds.
  local env=("ANTINEX_SEEDS=${ANTINEX_SEEDS:-$(seeds_csv)}" "ANTINEX_REDIS=${ANTINEX_REDIS:-$HOST:$REDIS_PORT}" "ANTINEX_GATEWAY_HOSTNAME=$HOST"
             "ANTINEX_REDIS_USER=$REDIS_USER" "ANTINEX_REDIS_PASSWORD_FILE=$REDIS_PASSWORD_FILE")
  if [ "$INSECURE" = true ]; then env+=("ANTINEX_INSECURE=true")
  else env+=("ANTINEX_TLS_CERTIFICATE=$CERT_DIR/gateway.p12" "ANTINEX_TLS_PASSWORD_FILE=$CERT_DIR/gateway.password"
             "ANTINEX_TLS_CA=$CERT_DIR/ca.crt"); fi
  # `gateway bench -l A ...` (options right after bench) is the cluster predict benchmark: `bench cluster -l A ...`.
  if [ "${1:-}" = bench ] && [[ "${2:-}" == -* ]] && [[ "${2:-}" != -h && "${2:-}" != --help ]]; then set -- bench cluster "${@:2}"; fi
  # exec: the pid a caller holds ($! of `cluster.sh gateway ... &`, serve.pid) is the gateway's, so its signals reach it.
  exec env "${env[@]}" dotnet "$GATEWAY_DLL" "$@"
}

logs() {
  local which=${1:-1} follow=${2:-}
  [ "$which" = -f ] && { which=${2:-1}; follow=-f; }
  local file="$LOG_DIR/node-$which.log"
  [ "$which" = redis ] && file="$LOG_DIR/redis.log"
  [ -f "$file" ] || fail "no log $file"
  if [ "$follow" = -f ]; then tail -n 50 -f "$file"; else tail -n 80 "$file"; fi
}

# The nodes the operator wants running (start/add raise it); stop K marks node K as stopped on purpose.
wanted_count() { cat "$RUN_DIR/nodes.wanted" 2>/dev/null || node_count; }
want_nodes() { local n=$1; [ "$n" -gt "$(wanted_count)" ] && echo "$n" >"$RUN_DIR/nodes.wanted"; rm -f "$PID_DIR"/node-*.stopped; true; }

wait_node_ready() { # wait_node_ready K SECONDS
  local k=$1 deadline=$((SECONDS + $2))
  while [ "$(http_status "$(health_port "$k")" /health/ready)" != 200 ]; do
    pid_alive "$(node_pid "$k")" || fail "node $k exited while starting (see $LOG_DIR/node-$k.log)"
    [ $SECONDS -ge $deadline ] && fail "node $k not ready after $2 s (see $LOG_DIR/node-$k.log)"
    sleep 0.5
  done
}

# One node at a time: SIGTERM (it leaves and hands its shards off; replicas keep answering), start it again, wait
# until it is ready and its copies are placed, then the next. Predicts keep flowing throughout.
# still_up N HTTP_PID: nodes 1..N still run and are ready (a not-ready one is given 20 s: readiness also turns on Redis and
# reachability), and the HTTP service still runs if HTTP_PID was it. A restart can cost a member (a node or the HTTP
# service downed by the split-brain resolver when the restarted node and it cannot reach each other, as on an overloaded
# machine): said and failed here, not reported as a restart done.
still_up() {
  local k down deadline=$((SECONDS + 20))
  while :; do
    down=""
    for k in $(seq 1 "$1"); do
      if ! pid_alive "$(node_pid "$k")"; then down="$down node $k (stopped; see $LOG_DIR/node-$k.log; cluster.sh restart $k)"
      elif [ "$(http_status "$(health_port "$k")" /health/ready)" != 200 ]; then down="$down node $k (running, not ready)"; fi
    done
    if [ -n "$2" ] && [ -z "$(serve_pid)$(serve_loop_pid)" ]; then down="$down http (stopped; see $LOG_DIR/serve.log)"; fi
    [ -z "$down" ] && return 0
    [[ "$down" == *"(running, not ready)"* && $SECONDS -lt $deadline ]] || fail "rolling restart: members lost:$down"
    sleep 1
  done
}

rolling_restart() {
  local n k http settle="${ANTINEX_ROLLING_SETTLE:-5}"
  n=$(wanted_count)
  http=$(serve_pid)
  for k in $(seq 1 "$n"); do
    # Marked stopped meanwhile, so that supervise does not start the node between the stop and the start below (and
    # unmarked however this ends: a failed start must not leave supervise skipping the node for good).
    touch "$PID_DIR/node-$k.stopped"
    # shellcheck disable=SC2064 # the path is fixed now, on purpose
    trap "rm -f $(printf '%q' "$PID_DIR/node-$k.stopped")" EXIT
    if pid_alive "$(node_pid "$k")"; then stop_node "$k" TERM; else say "node $k    not running: started"; fi
    start_node "$k"
    rm -f "$PID_DIR/node-$k.stopped"; trap - EXIT
    wait_node_ready "$k" 180
    say "node $k    ready again; settling ${settle}s (shards rebalance, replicas re-placed)"
    sleep "$settle"
    still_up "$n" "$http"
  done
  say "rolling restart done: $n nodes${http:+, the HTTP service still serving}"
}

supervise_loop() {
  local k
  while :; do
    for k in $(seq 1 "$(wanted_count)"); do
      [ -e "$PID_DIR/node-$k.stopped" ] && continue
      if ! pid_alive "$(node_pid "$k")"; then say "$(date +%T) supervise: node $k is down: starting it"; start_node "$k"; fi
    done
    sleep "${ANTINEX_SUPERVISE_INTERVAL:-2}"
  done
}

supervise() {
  local pid; pid=$(supervise_pid)
  if [ "${1:-}" = stop ]; then pid_alive "$pid" && kill "$pid"; rm -f "$PID_DIR/supervise.pid"; say "supervise stopped"; return; fi
  if pid_alive "$pid"; then say "supervise already running (pid $pid)"; return; fi
  mkdir -p "$LOG_DIR" "$PID_DIR"
  nohup bash "${BASH_SOURCE[0]}" supervise-loop >>"$LOG_DIR/supervise.log" 2>&1 &
  echo $! >"$PID_DIR/supervise.pid"
  for _ in $(seq 1 100); do [ -n "$(supervise_pid)" ] && break; kill -0 "$!" 2>/dev/null || break; sleep 0.05; done
  say "supervise started (pid $!, log $LOG_DIR/supervise.log): nodes that die or are downed are started again"
}

main() {
  local cmd=${1:-status}; shift || true
  case "$cmd" in
    start)
      if [ "${1:-}" = http ]; then start_http; return; fi
      local n=${1:-3} k
      ensure_built
      start_redis
      want_nodes "$n"
      for k in $(seq 1 "$n"); do start_node "$k"; done
      ;;
    add)
      ensure_built
      start_redis
      k=$(($(wanted_count) + 1)); want_nodes "$k"
      start_node "$k"
      ;;
    restart)
      if [ "${1:-}" = http ]; then stop_serve; start_http; return; fi
      node_number "${1:-}" "cluster.sh restart K|http"
      # Marked stopped until it is started here, so that supervise does not start it at the same moment.
      ensure_built; mkdir -p "$PID_DIR"; touch "$PID_DIR/node-$1.stopped"
      # shellcheck disable=SC2064 # the path is fixed now, on purpose
      trap "rm -f $(printf '%q' "$PID_DIR/node-$1.stopped")" EXIT
      start_node "$1"; rm -f "$PID_DIR/node-$1.stopped"; trap - EXIT ;;
    stop)
      local target=${1:-all} k
      if [ "$target" = http ]; then stop_serve
      elif [ "$target" = all ]; then
        # Stop in reverse order, seeds last, so shards hand off to the nodes still up.
        supervise stop >/dev/null
        stop_serve
        for k in $(seq "$(node_count)" -1 1); do stop_node "$k" TERM; done
        stop_redis
      else
        node_number "$target" "cluster.sh stop [K|http|all]"
        touch "$PID_DIR/node-$target.stopped"
        stop_node "$target" TERM
      fi
      ;;
    kill)
      node_number "${1:-}" "cluster.sh kill K"
      stop_node "$1" KILL ;;
    status) status ;;
    logs) logs "$@" ;;
    gateway|gw) gateway "$@" ;;
    wait-ready) wait_ready "${1:-$(node_count)}" "${2:-120}" ;;
    seeds) seeds_csv ;;
    renew-certs)
      bash "$REPO/deploy/certs.sh" renew "$CERT_DIR" all "$HOST"
      say "restart the nodes one at a time to load them: cluster.sh rolling-restart" ;;
    redis-cli) redis_cli "$@" ;;
    rolling-restart) ensure_built; rolling_restart ;;
    supervise) supervise "$@" ;;
    supervise-loop) supervise_loop ;;
    serve-loop) serve_loop "$1" ;;
    sign-journal) ensure_built; start_redis; sign_journal "$@" ;;
    -h|--help|help) sed -n '2,28p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' ;;
    *) fail "unknown command '$cmd' (try: start, add, stop, kill, restart, rolling-restart, supervise, status, logs, gateway," \
         "seeds, wait-ready, renew-certs, redis-cli, sign-journal)" ;;
  esac
}

main "$@"
