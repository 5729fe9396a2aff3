#!/usr/bin/env bash
# Model search wall time on 1 node vs 3 nodes (adding nodes makes a search finish sooner): Redis + 1 node from
# deploy/cluster.sh (own temporary run folder and free ports, deploy/lib/bench-isolation.sh), one search of N trials; then 2 more nodes and the SAME search
# (same request, space and seed: the same trials, so the same scores and the same winner). Prints both wall times and
# their ratio. Every node trains one trial at a time with 1 torch thread (--training-concurrency 1 --torch-threads 1).
#
# Usage: bash deploy/bench-search.sh [TRIALS=12] [synthetic|nsl-kdd|REQUEST.json]
#   synthetic (default): generated traffic rows (ANTINEX_SEARCH_ROWS, default 20000), no ../shared needed
#   nsl-kdd: training/nsl-kdd-binary.json (KDDTrain+ 20 %), reads DATA_ROOT/nsl-kdd
#   REQUEST.json: its datasets are read from DATA_ROOT (the nodes' data root; as in any request, paths relative to it)
#   env: ANTINEX_SEARCH_FOLDS (3), ANTINEX_SEARCH_EPOCHS (synthetic: 5), ANTINEX_SEARCH_SPACE (space file; default space),
#        ANTINEX_SEARCH_DATA_ROOT (DATA_ROOT; default ../shared/datasets; a relative path is taken from the repository)
# Before each timed search a 1-trial warm-up search per node loads libtorch and JITs the code on every node, so that
# node start-up cost is not counted as search time (it is the same for 1 and 3 nodes).
# Needs jq. On this 2-core machine 3 nodes cannot be 3x faster: 3 single-threaded trials share 2 cores.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TRIALS="${1:-12}"
WHAT="${2:-synthetic}"
FOLDS="${ANTINEX_SEARCH_FOLDS:-3}"
ROWS="${ANTINEX_SEARCH_ROWS:-20000}"
EPOCHS="${ANTINEX_SEARCH_EPOCHS:-5}"
SPACE="${ANTINEX_SEARCH_SPACE:-}"
# The isolation drops the user's data roots: the nsl-kdd and REQUEST.json modes read their data from this one.
SEARCH_DATA="$(cd "$REPO" && realpath -m -- "${ANTINEX_SEARCH_DATA_ROOT:-../shared/datasets}")"
fail() { echo "bench-search.sh: $*" >&2; exit 1; }
# Checked before the isolation, which creates the run folder that only the EXIT trap below removes.
command -v jq >/dev/null || fail "needs jq"
case "$WHAT" in
  synthetic) ;;
  nsl-kdd) [ -d "$SEARCH_DATA/nsl-kdd" ] || fail "$SEARCH_DATA/nsl-kdd not found (set ANTINEX_SEARCH_DATA_ROOT)" ;;
  *) [ -f "$WHAT" ] || fail "request file $WHAT not found (usage: bench-search.sh [TRIALS] [synthetic|nsl-kdd|REQUEST.json])"
     [ -d "$SEARCH_DATA" ] || fail "data root $SEARCH_DATA not found (set ANTINEX_SEARCH_DATA_ROOT)" ;;
esac
source "$REPO/deploy/lib/bench-isolation.sh"
bench_isolate search 3
export ANTINEX_NODE_ARGS="--stable-after 5s --torch-threads 1 --training-concurrency 1"
CLUSTER="bash $REPO/deploy/cluster.sh"
GW() { $CLUSTER gateway "$@"; }
DATA="$ANTINEX_RUN_DIR/data"

trap bench_cleanup EXIT
mkdir -p "$DATA"
bench_setup_done

dotnet build "$REPO/AntiNex.Node/AntiNex.Node.csproj" -c "$ANTINEX_CONFIGURATION" --nologo -v q >/dev/null
dotnet build "$REPO/AntiNex.Gateway/AntiNex.Gateway.csproj" -c "$ANTINEX_CONFIGURATION" --nologo -v q >/dev/null

case "$WHAT" in
  synthetic)
    GW generate --rows "$ROWS" --out "$DATA/search.csv" >/dev/null
    sed -e "s#\"dataset\": \"[^\"]*\"#\"dataset\": \"$DATA/search.csv\"#" -e "s#\"epochs\": [0-9]*#\"epochs\": $EPOCHS#" \
        "$REPO/training/demo-synthetic.json" >"$DATA/request.json"
    DESCRIBE="synthetic traffic, $ROWS rows, $EPOCHS epochs" ;;
  nsl-kdd)
    export ANTINEX_EXTRA_DATA_ROOTS="$SEARCH_DATA"
    cp "$REPO/training/nsl-kdd-binary.json" "$DATA/request.json"
    DESCRIBE="NSL-KDD KDDTrain+ 20 % (training/nsl-kdd-binary.json)" ;;
  *)
    export ANTINEX_EXTRA_DATA_ROOTS="$SEARCH_DATA"
    cp "$WHAT" "$DATA/request.json"; DESCRIBE="$WHAT (data root $SEARCH_DATA)" ;;
esac
SPACE_ARGS=(); [ -n "$SPACE" ] && SPACE_ARGS=(--space "$SPACE")

warmup() { # one tiny search (1 epoch, 2 folds) per node, not timed
  jq '.epochs = 1' "$DATA/request.json" >"$DATA/warmup.json"
  # A failed warm-up (data not found, a node down) would fail the timed search too, or leave a node cold: stop here.
  GW search -f "$DATA/warmup.json" --trials "$1" --folds 2 --seed 99 --no-retrain --json --timeout 30m >/dev/null 2>"$DATA/warmup.err" \
    || { cat "$DATA/warmup.err" >&2; fail "the warm-up search on $1 node(s) failed (its errors above)"; }
}

search() { # search NODES -> prints the JSON document to $DATA/search-NODES.json, the wall time to stdout
  local n=$1 start end
  start=$(date +%s.%N)
  GW search -f "$DATA/request.json" --trials "$TRIALS" --folds "$FOLDS" --seed 1 "${SPACE_ARGS[@]}" --no-retrain --json \
     --timeout 3h >"$DATA/search-$n.json" 2>"$DATA/search-$n.err" || { cat "$DATA/search-$n.err" >&2; exit 1; }
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN{printf "%.1f", b-a}'
}

summary() { # summary NODES
  jq -r '"  trials scored \(.scored)/\(.trials), search \(.search_seconds) s; trials per node: \(.nodes | to_entries | map("\(.key)=\(.value)") | join(", "))\n  trial seconds: mean \(.leaderboard | map(.seconds) | add / length * 10 | round / 10), sum \(.leaderboard | map(.seconds) | add | round) (sum / search time = trials running at once: \((.leaderboard | map(.seconds) | add) / .search_seconds * 100 | round / 100))\n  best: trial \(.best.trial) [\(.best.config)] \(.score) \(.best.cv_mean * 1e4 | round / 1e4) ± \(.best.cv_std * 1e4 | round / 1e4)"' "$DATA/search-$1.json"
}

echo "== search: $TRIALS trials, $FOLDS-fold CV, random strategy seed 1, on $DESCRIBE"
$CLUSTER start 1 >/dev/null
$CLUSTER wait-ready 1 180 >/dev/null
warmup 1
echo "   load average before: $(cut -d' ' -f1-3 /proc/loadavg) (other work on this machine competes for the same cores)"
wall1=$(search 1)
echo "1 node : gateway wall ${wall1} s (includes the gateway's join/leave)"; summary 1

$CLUSTER add >/dev/null; $CLUSTER add >/dev/null
$CLUSTER wait-ready 3 180 >/dev/null
sleep 2
warmup 3
echo "   load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
wall3=$(search 3)
echo "3 nodes: gateway wall ${wall3} s"; summary 3

s1=$(jq .search_seconds "$DATA/search-1.json"); s3=$(jq .search_seconds "$DATA/search-3.json")
same=$(jq -s 'if (.[0].leaderboard | map([.trial, .cv_mean])) == (.[1].leaderboard | map([.trial, .cv_mean])) then "identical" else "DIFFERENT" end' \
  -r "$DATA/search-1.json" "$DATA/search-3.json")
echo "== search time 1 node ${s1} s, 3 nodes ${s3} s: speed-up $(awk -v a="$s1" -v b="$s3" 'BEGIN{printf "%.2f", a/b}')x; leaderboards (trial, CV score) ${same}"
echo "   cores: $(nproc). Each trial trains single-threaded; 3 nodes run 3 trials at once on $(nproc) cores, so the"
echo "   ceiling here is ~$(nproc)x minus the 3 node processes' own overhead (GC, remoting, heartbeats) and the tail of the last trials."
