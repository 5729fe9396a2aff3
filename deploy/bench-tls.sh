#!/usr/bin/env bash
# The cost of mutual TLS, both modes in one run (README "Security" / "Benchmarks"). For each mode (plaintext with
# --insecure, then mutual TLS) a fresh 3-node cluster from deploy/cluster.sh in its own run folder and ports:
#   1. time to join: `cluster.sh start 3` until all three nodes report ready (process start-up included),
#   2. single-row predict latency p50/p99 at concurrency 1, and bulk rows/s (100 rows per request, concurrency 16),
#   3. failover with TLS only: kill -9 the node holding a label during a bench; longest outage of that label,
#   4. time for a 4th node to join a running cluster (start -> ready).
# Usage: bash deploy/bench-tls.sh [DURATION=10s]   (env ANTINEX_BENCH_STABLE_AFTER, default 5s: SBR stable-after)
# Never touches .run/: its own folder (/tmp/antinex-bench-tls) and ports (4253.., 8760.., Redis 6590).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DURATION="${1:-10s}"
ROOT_DIR="${ANTINEX_BENCH_DIR:-/tmp/antinex-bench-tls}"
export ANTINEX_BASE_PORT="${ANTINEX_BASE_PORT:-4253}"
export ANTINEX_HEALTH_BASE="${ANTINEX_HEALTH_BASE:-8760}"
export ANTINEX_REDIS_PORT="${ANTINEX_REDIS_PORT:-6590}"
export ANTINEX_CONFIGURATION="${ANTINEX_CONFIGURATION:-Release}"
STABLE_AFTER="${ANTINEX_BENCH_STABLE_AFTER:-5s}"
export ANTINEX_NODE_ARGS="${ANTINEX_NODE_ARGS:---stable-after $STABLE_AFTER --torch-threads 1}"
CLUSTER="bash $REPO/deploy/cluster.sh"
GW() { $CLUSTER gateway "$@"; }
LABELS=(tls-a tls-b tls-c)
labels_csv=$(IFS=,; echo "${LABELS[*]}")

cleanup() { [ -n "${ANTINEX_RUN_DIR:-}" ] && $CLUSTER stop all >/dev/null 2>&1 || true; }
trap cleanup EXIT
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}'; }
field() { sed -n "s/.*\"$1\": *\\([0-9.]*\\).*/\\1/p" | head -1; }

dotnet build "$REPO/AntiNex.Node/AntiNex.Node.csproj" -c "$ANTINEX_CONFIGURATION" --nologo -v q >/dev/null
dotnet build "$REPO/AntiNex.Gateway/AntiNex.Gateway.csproj" -c "$ANTINEX_CONFIGURATION" --nologo -v q >/dev/null

declare -A RESULT
for mode in insecure tls; do
  export ANTINEX_RUN_DIR="$ROOT_DIR/$mode"
  if [ "$mode" = insecure ]; then export ANTINEX_INSECURE=true; else export ANTINEX_INSECURE=false; fi
  rm -rf "$ANTINEX_RUN_DIR"; mkdir -p "$ANTINEX_RUN_DIR/data"
  data="$ANTINEX_RUN_DIR/data"
  echo "== $mode: start 3 nodes"
  start=$(now)
  $CLUSTER start 3 >/dev/null
  $CLUSTER wait-ready 3 180 >/dev/null
  RESULT[$mode.join3]=$(since "$start")
  GW generate --rows 4000 --out "$data/bench.csv" >/dev/null
  for label in "${LABELS[@]}"; do
    sed -e "s#\"label\": \"[^\"]*\"#\"label\": \"$label\"#" -e "s#\"dataset\": \"[^\"]*\"#\"dataset\": \"$data/bench.csv\"#" \
        -e 's#"epochs": [0-9]*#"epochs": 2#' "$REPO/training/demo-synthetic.json" >"$data/$label.json"
    GW train -f "$data/$label.json" --json >/dev/null 2>&1
  done
  GW bench cluster -l "$labels_csv" -c 1 -d 2s --warmup 1s >/dev/null 2>&1 || true   # loads every model
  GW bench cluster -l "$labels_csv" -c 1 -d "$DURATION" --rows 1 --json >"$data/single.json" 2>/dev/null || true
  GW bench cluster -l "$labels_csv" -c 16 -d "$DURATION" --rows 100 --json >"$data/bulk.json" 2>/dev/null || true
  RESULT[$mode.p50]=$(field p50_ms <"$data/single.json"); RESULT[$mode.p99]=$(field p99_ms <"$data/single.json")
  RESULT[$mode.rows]=$(field rows_per_second <"$data/bulk.json")
  echo "   single row p50 ${RESULT[$mode.p50]} ms, p99 ${RESULT[$mode.p99]} ms; bulk ${RESULT[$mode.rows]} rows/s"

  if [ "$mode" = tls ]; then
    node=$(GW describe tls-a --json | sed -n 's/.*"node": "[^:]*:\([0-9]*\)".*/\1/p')
    k=$((node - ANTINEX_BASE_PORT + 1))
    echo "== tls: kill -9 node $k (holds tls-a) during a 40 s bench (stable-after $STABLE_AFTER)"
    GW bench cluster -l "$labels_csv" -c 4 -d 40s --timeout 2s --json >"$data/failover.json" 2>/dev/null &
    bench=$!
    sleep 8
    $CLUSTER kill "$k" >/dev/null
    wait "$bench" || true
    RESULT[tls.outage]=$(tr -d '\n ' <"$data/failover.json" | sed -n 's/.*"tls-a":\([0-9.]*\).*/\1/p')
    echo "   longest outage of tls-a: ${RESULT[tls.outage]:-none} s"
  fi
  echo "== $mode: a node joins the running cluster"
  start=$(now)
  $CLUSTER add >/dev/null
  $CLUSTER wait-ready "$(ls "$ANTINEX_RUN_DIR"/pids/node-*.pid | wc -l)" 180 >/dev/null   # polls every 1 s
  RESULT[$mode.join1]=$(since "$start")
  $CLUSTER stop all >/dev/null 2>&1 || true
done

echo
echo "mutual TLS vs plaintext, same machine, same run (load average $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-34s %14s %14s\n' "" "plaintext" "mutual TLS"
printf '%-34s %14s %14s\n' "single-row predict p50 (ms)" "${RESULT[insecure.p50]}" "${RESULT[tls.p50]}"
printf '%-34s %14s %14s\n' "single-row predict p99 (ms)" "${RESULT[insecure.p99]}" "${RESULT[tls.p99]}"
printf '%-34s %14s %14s\n' "bulk rows/s (100/request, c=16)" "${RESULT[insecure.rows]}" "${RESULT[tls.rows]}"
printf '%-34s %14s %14s\n' "3 nodes start -> all ready (s)" "${RESULT[insecure.join3]}" "${RESULT[tls.join3]}"
printf '%-34s %14s %14s\n' "4th node start -> ready (s)" "${RESULT[insecure.join1]}" "${RESULT[tls.join1]}"
printf '%-34s %14s %14s\n' "kill -9 -> label answers (s)" "-" "${RESULT[tls.outage]:-none}"
