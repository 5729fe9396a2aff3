#!/usr/bin/env bash
# Performance and scale figures in one run, each printed with its goal and ratio:
#   memory      node RSS per loaded model, models loaded from Redis by a node that did not train them
#   labels      many labels over 3 nodes: Redis memory per stored model, `models` time (cold and awake labels), a full
#               cluster restart then the first predict of a label and of every label (lazy recovery), the copies that
#               follow, node memory per loaded model, a 4th node joining: process start -> member Up -> holds shards
#   persistence the Redis journal and snapshot store vs the Akka.Persistence.Redis anchors, 50 MB signed snapshot load
# and, when present, deploy/lib/scale-bulk.sh (bulk scoring) and deploy/lib/scale-training.sh (large trainings).
# Labels are copies of one small trained model, stored signed through the persistence plugin (`bench seed`).
# Own temporary run folder and free ports (deploy/lib/bench-isolation.sh): a user's .run/ and cluster are never touched.
# Usage: bash deploy/bench-scale.sh [--labels N (10000)] [--memory-models M (1000)] [--only memory|labels|persistence|bulk|training]
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LABELS=10000 MEMORY_MODELS=1000 ONLY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --labels) LABELS=$2; shift 2 ;;
    --memory-models) MEMORY_MODELS=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    *) echo "usage: bench-scale.sh [--labels N] [--memory-models M] [--only memory|labels|persistence|bulk|training]" >&2; exit 2 ;;
  esac
done
want() { [ -z "$ONLY" ] || [ "$ONLY" = "$1" ]; }
source "$REPO/deploy/lib/bench-isolation.sh"
bench_isolate scale 4
CLUSTER="bash $REPO/deploy/cluster.sh"
GW() { $CLUSTER gateway "$@"; }
DATA="$ANTINEX_RUN_DIR/data"
trap bench_cleanup EXIT
mkdir -p "$DATA"
bench_setup_done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "-"; else printf "%.2fx", a / b }'; }
line() { printf '%-52s %14s   goal %-12s %s\n' "$1" "$2" "${3:--}" "${4:-}"; }
field() { sed -n "s/.*\"$1\": *\([0-9.]*\).*/\1/p" | head -1; }
echo "bench-scale: labels $LABELS, memory models $MEMORY_MODELS, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
dotnet build "$REPO/AntiNex.Node/AntiNex.Node.csproj" -c "$ANTINEX_CONFIGURATION" --nologo -v q >/dev/null
dotnet build "$REPO/AntiNex.Gateway/AntiNex.Gateway.csproj" -c "$ANTINEX_CONFIGURATION" --nologo -v q >/dev/null

# One small trained model: the template every seeded label copies.
cluster_with_template() {
  ANTINEX_NODE_ARGS="--torch-threads 1 --max-loaded-models $((LABELS + 100))" $CLUSTER start "$1" >/dev/null
  $CLUSTER wait-ready "$1" 240 >/dev/null
  GW generate --rows 2000 --out "$DATA/t.csv" >/dev/null 2>&1
  sed -e 's#"label": "[^"]*"#"label": "scale-template"#' -e "s#\"dataset\": \"[^\"]*\"#\"dataset\": \"$DATA/t.csv\"#" \
      -e 's#"epochs": [0-9]*#"epochs": 2#' "$REPO/training/demo-synthetic.json" >"$DATA/template.json"
  GW train -f "$DATA/template.json" >/dev/null 2>&1
}
KEY="$ANTINEX_RUN_DIR/secrets/model.key"
seed() { GW bench seed --template scale-template --count "$1" --prefix "$2" --model-key-file "$KEY"; }
redis_used() { $CLUSTER redis-cli INFO memory | tr -d '\r' | sed -n 's/^used_memory:\([0-9]*\)/\1/p'; }
rss() { ps -o rss= -p "$(cat "$ANTINEX_RUN_DIR/pids/node-$1.pid")" | tr -d ' '; }

if want memory; then
  echo; echo "== memory per loaded model (node 1 loads models it never trained, from Redis) =="
  cluster_with_template 1
  seed "$MEMORY_MODELS" mem- | sed 's/^/  /'
  $CLUSTER stop all >/dev/null
  ANTINEX_NODE_ARGS="--torch-threads 1 --max-loaded-models $((MEMORY_MODELS + 100))" $CLUSTER start 1 >/dev/null
  $CLUSTER wait-ready 1 240 >/dev/null
  GW bench labels --template scale-template --prefix mem- --count 1 --no-list >/dev/null  # libtorch and one model loaded
  sleep 2; before=$(rss 1)
  GW bench labels --template scale-template --prefix mem- --count "$MEMORY_MODELS" --no-list --json >"$DATA/mem.json"
  sleep 2; after=$(rss 1)
  artifact=$(GW describe scale-template --json 2>/dev/null | field artifact_bytes)
  per=$(( (after - before) * 1024 / (MEMORY_MODELS - 1) ))
  beyond=$(( per - artifact ))
  line "node RSS, 1 model loaded -> $MEMORY_MODELS loaded" "${before} -> ${after} kB"
  line "RSS per loaded model (artifact $artifact B)" "$((per / 1024)) kB" "" ""
  line "  beyond its artifact" "$((beyond / 1024)) kB" "<= 1024 kB" "$(ratio "$beyond" 1048576) of goal"
  line "  10,000 loaded models, extrapolated" "$(awk -v p="$per" -v b="$before" 'BEGIN{printf "%.2f GB", (b*1024 + 10000*p)/1e9}')" "< 12 GB"
  $CLUSTER stop all >/dev/null; rm -rf "$ANTINEX_RUN_DIR/redis"
fi

if want labels; then
  echo; echo "== $LABELS labels over 3 nodes =="
  cluster_with_template 3
  empty=$(redis_used)
  seed "$LABELS" lab- | sed 's/^/  /'
  stored=$(redis_used)
  line "Redis memory per stored model (INFO used_memory)" "$(( (stored - empty) / LABELS )) B" "report" \
       "artifact $(GW describe scale-template --json 2>/dev/null | field artifact_bytes) B"
  listing=$(GW bench labels --template scale-template --prefix lab- --count 1 --json --timeout 120s)
  line "models (catalog listing, $LABELS labels)" "$(echo "$listing" | field models_seconds) s" "< 2 s" \
       "$(ratio "$(echo "$listing" | field models_seconds)" 2) of goal (a fresh gateway's first listing)"
  line "  the same gateway listing again" "$(echo "$listing" | field models_again_seconds) s" "< 2 s" \
       "$(ratio "$(echo "$listing" | field models_again_seconds)" 2) of goal"
  # Full restart (Redis too), then every label once: each entity recovers when first asked for.
  $CLUSTER stop all >/dev/null
  ANTINEX_NODE_ARGS="--torch-threads 1 --max-loaded-models $((LABELS + 100))" $CLUSTER start 3 >/dev/null
  $CLUSTER wait-ready 3 240 >/dev/null
  sleep 2; rss_before=$(( $(rss 1) + $(rss 2) + $(rss 3) ))
  for k in 1 2 3; do logged[$k]=$(wc -l <"$ANTINEX_RUN_DIR/logs/node-$k.log"); done
  GW bench labels --template scale-template --prefix lab- --count "$LABELS" --no-list --json --timeout 120s >"$DATA/labels.json" || true
  first=$(field first_label_ms <"$DATA/labels.json"); all=$(field all_labels_seconds <"$DATA/labels.json")
  line "full restart: first predict of a label" "$first ms" "< 1000 ms" "$(ratio "$first" 1000) of goal"
  line "full restart: first predict, p99 over labels" "$(field first_predict_p99_ms <"$DATA/labels.json") ms"
  line "full restart: every label answered once" "$all s" "< 120 s" "$(ratio "$all" 120) of goal"
  grep -o '"errors": *{[^}]*}' "$DATA/labels.json" | sed 's/^/  /'
  # Writers loaded by the first predicts, plus their read-only copies on the other nodes: copies wait while many labels
  # wake and then load in the background (at most 50 new ones per node per second), so wait until none is added for 5 s.
  loaded_now() {
    local k n total=0
    for k in 1 2 3; do
      n=$(tail -n +"$((logged[k] + 1))" "$ANTINEX_RUN_DIR/logs/node-$k.log" | grep -c -E 'version [0-9]+ loaded in|replica .*: serving version')
      total=$((total + n))
    done
    echo "$total"
  }
  copies_from=$SECONDS loaded=$(loaded_now) still=0
  while [ $((SECONDS - copies_from)) -lt 300 ] && [ "$still" -lt 5 ]; do
    sleep 1; n=$(loaded_now); if [ "$n" = "$loaded" ]; then still=$((still + 1)); else still=0 loaded=$n; fi
  done
  line "  copies (replicas) loaded after the first predicts" "$((SECONDS - copies_from - still)) s" "" \
       "$((loaded - LABELS)) copies; serving first, copies after"
  rss_after=$(( $(rss 1) + $(rss 2) + $(rss 3) ))
  if [ "$loaded" -gt 0 ]; then
    per=$(( (rss_after - rss_before) * 1024 / loaded ))
    line "node RSS per loaded model (3 nodes, $loaded writers + replicas)" "$((per / 1024)) kB" "" \
         "beyond artifact: $(( (per - $(GW describe scale-template --json 2>/dev/null | field artifact_bytes)) / 1024 )) kB (goal <= 1024 kB)"
    line "  10,000 loaded models in one node, extrapolated" "$(awk -v p="$per" -v b="$((rss_before / 3))" 'BEGIN{printf "%.2f GB", (b*1024 + 10000*p)/1e9}')" \
         "< 12 GB"
  fi
  listing=$(GW bench labels --template scale-template --prefix lab- --count 1 --json --timeout 120s)
  line "models (catalog listing, every label awake)" "$(echo "$listing" | field models_seconds) s" "< 2 s" \
       "$(ratio "$(echo "$listing" | field models_seconds)" 2) of goal; again: $(echo "$listing" | field models_again_seconds) s"
  # Every label answered once, so the shards are allocated on nodes 1-3: a 4th node joins and takes its share. The
  # node logs its own timeline (member Up, first shards held, both from its process start), so no poll starts a gateway.
  start=$(date +%s.%N)
  ANTINEX_NODE_ARGS="--torch-threads 1 --max-loaded-models $((LABELS + 100))" $CLUSTER add >/dev/null
  log4="$ANTINEX_RUN_DIR/logs/node-4.log" held="" deadline=$((SECONDS + 120))
  while [ $SECONDS -lt $deadline ]; do
    held=$(grep -o 'node timeline: holds [0-9]* shards [0-9.]* s after process start' "$log4" 2>/dev/null | head -1) || true
    [ -n "$held" ] && break
    kill -0 "$(cat "$ANTINEX_RUN_DIR/pids/node-4.pid" 2>/dev/null)" 2>/dev/null || { echo "  node 4 is gone (see its log)"; break; }
    sleep 0.2
  done
  if [ -n "$held" ]; then
    seen=$(date +%s.%N)
    wall=$(awk -v a="$start" -v b="$seen" 'BEGIN{printf "%.1f", b - a}')
    shards=$(echo "$held" | awk '{print $4}'); since_start=$(echo "$held" | awk '{print $6}')
    up=$(grep -o 'node timeline: member Up [0-9.]* s' "$log4" | head -1 | awk '{print $5}')
    line "4th node: process start -> holds shards ($shards)" "$since_start s" "< 10 s" "$(ratio "$since_start" 10) of goal"
    line "  process start -> member Up (start-up, TLS join)" "$up s"
    line "  member Up -> holds shards (rebalance, hand-off)" "$(awk -v a="$since_start" -v b="$up" 'BEGIN{printf "%.1f", a - b}') s"
    line "  cluster.sh add -> holds shards (certificate, exec)" "$wall s" "" "poll granularity 0.2 s"
    sleep 8  # the rounds that complete its share
    shards_now=$(GW status --json 2>/dev/null | tr -d '\n ' | grep -o "\"address\":\"[^\"]*:$((ANTINEX_BASE_PORT + 3))\"[^}]*\"shards\":[0-9]*" \
                 | sed 's/.*"shards"://') || true
    line "  shards on the 4th node ~8 s later (fair share 25)" "${shards_now:-?}"
  else line "4th node: process start -> holds shards" "not seen in 120 s" "< 10 s"; fi
  $CLUSTER stop all >/dev/null
fi

if want persistence; then
  echo; echo "== persistence (private redis-server, no AOF) =="
  dotnet "$REPO/AntiNex.Gateway/bin/$ANTINEX_CONFIGURATION/net10.0/antinex-gateway.dll" bench persistence --events 5000 --rounds 3
fi

for part in bulk training; do
  want "$part" || continue
  if [ -f "$REPO/deploy/lib/scale-$part.sh" ]; then
    echo; echo "== $part (deploy/lib/scale-$part.sh) =="
    bash "$REPO/deploy/lib/scale-$part.sh"
  fi
done
echo; echo "Machine: $(nproc) cores, load at end $(cut -d' ' -f1-3 /proc/loadavg) (figures from a loaded machine are pessimistic)."
