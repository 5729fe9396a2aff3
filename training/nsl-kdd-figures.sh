#!/usr/bin/env bash
# NSL-KDD quality figures, one command. Builds Release, then with training/AntiNex.Baselines (the product's tree learner
# with ML.NET's bare defaults: unlike model_kind light_gbm, no refit of a diverged LightGBM fit) trains, per seed, our network from the request as is AND ML.NET
# FastTree + LightGBM on the network's exact feature matrices (fitted on training rows only), and tests all of them on KDDTest+ and KDDTest-21:
#   1. binary (normal vs attack) on the full KDDTrain+: accuracy, precision, recall, F1, ROC AUC; mean and min of the seeds
#   2. 5-class (normal, dos, probe, r2l, u2r): accuracy, macro-F1, per-class F1
#   3. with --with-search: search wall time on 1 vs 3 nodes (deploy/bench-search.sh, when present, reading --data; the
#      words after "--" go to it, e.g. `--with-search -- 12 nsl-kdd` for 12 trials on NSL-KDD; none: its defaults)
# Usage: training/nsl-kdd-figures.sh [BINARY_REQUEST.json] [--multiclass REQUEST.json] [--seeds "1 2 3"]
#          [--data DIR] [--out DIR] [--tree-threads N] [--skip-multiclass] [--with-search [-- SEARCH ARGS...]]
# Tables go to stdout and to OUT/*.txt, JSON to OUT/*.json (default OUT: /tmp/antinex-figures-<UTC time>).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
abs() { realpath -m -- "$1"; } # paths given on the command line are relative to the caller's folder

binary=$repo/training/nsl-kdd-binary-novelty.json  # the best configuration (chosen on training data only)
multiclass=$repo/training/nsl-kdd-5class.json
seeds="1 2 3"
data=$repo/../shared/datasets
out=/tmp/antinex-figures-$(date -u +%Y%m%dT%H%M%SZ)
tree_threads=1
with_search=0
skip_multiclass=0
search_args=()
script=nsl-kdd-figures
source "$repo/training/lib/options.sh"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --multiclass) value "$@"; multiclass=$(abs "$2"); shift 2 ;;
    --seeds) value "$@"; seeds=$2; shift 2 ;;
    --data) value "$@"; data=$(abs "$2"); shift 2 ;;
    --out) value "$@"; out=$(abs "$2"); shift 2 ;;
    --tree-threads) value "$@"; tree_threads=$2; shift 2 ;;
    --skip-multiclass) skip_multiclass=1; shift ;;
    --with-search) with_search=1; shift ;;
    --) shift; search_args=("$@"); break ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) usage "unknown option $1" ;;
    *) binary=$(abs "$1"); shift ;;
  esac
done
seeds=${seeds//,/ }
check_seeds "$seeds"
check_tree_threads "$tree_threads"
check_out "$out"
cd "$repo"
data=$(abs "$data")

fail() { echo "nsl-kdd-figures: $*" >&2; exit 1; }
[[ -d "$data/nsl-kdd" ]] || fail "NSL-KDD is absent: expected $data/nsl-kdd (KDDTrain+.txt, KDDTest+.txt, KDDTest-21.txt); pass --data DIR holding nsl-kdd/"
for f in KDDTrain+.txt KDDTest+.txt KDDTest-21.txt; do
  [[ -f "$data/nsl-kdd/$f" ]] || fail "missing $data/nsl-kdd/$f"
done
[[ -f "$binary" ]] || fail "request file $binary does not exist"
[[ $skip_multiclass == 1 || -f "$multiclass" ]] || fail "request file $multiclass does not exist"
command -v dotnet >/dev/null || fail "dotnet is not on PATH"
# LightGBM's native library needs OpenMP.
[[ $(ldconfig -p 2>/dev/null || true) == *libgomp.so.1* ]] || fail "libgomp.so.1 (OpenMP, needed by LightGBM) is missing: apt-get install libgomp1"
mkdir -p "$out"

echo "== build (Release) ==" >&2
dotnet build training/AntiNex.Baselines -c Release -v q -nologo >&2 || fail "build failed"
bench=(dotnet training/AntiNex.Baselines/bin/Release/net10.0/antinex-baselines.dll)
seed_list=${seeds// /,}

run() { # NAME REQUEST
  local name=$1 request=$2
  echo "== $name: $request, seeds $seeds ==" >&2
  "${bench[@]}" -f "$request" -d "$data" --seeds "$seed_list" --also-test nsl-kdd/KDDTest-21.txt \
      --threads 1 --tree-threads "$tree_threads" --json-out "$out/$name.json" 2>"$out/$name.log" | tee "$out/$name.txt" \
    || fail "$name run failed; its log: $out/$name.log"
  echo
}

start=$(date +%s)
run binary "$binary"
[[ $skip_multiclass == 1 ]] || run 5class "$multiclass"

if [[ $with_search == 1 ]]; then
  if [[ -f deploy/bench-search.sh ]]; then
    echo "== model search wall time, 1 vs 3 nodes (deploy/bench-search.sh ${search_args[*]:-}) ==" | tee "$out/search.txt"
    ANTINEX_SEARCH_DATA_ROOT="$data" bash deploy/bench-search.sh "${search_args[@]}" 2> >(tee "$out/search.log" >&2) | tee -a "$out/search.txt" \
      || fail "search benchmark failed; its log: $out/search.log"
  else
    echo "search wall time: skipped, deploy/bench-search.sh is not in this tree" | tee "$out/search.txt"
  fi
fi
echo "all figures in $out ($(( $(date +%s) - start )) s)"
