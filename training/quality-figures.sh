#!/usr/bin/env bash
# Detection quality of the recommended requests (model_kind "auto"), one command. Builds Release, then per dataset
# derives the request from training/recommended-binary.json or recommended-multiclass.json (only dataset, label,
# features, categorical columns and target change), and runs training/AntiNex.Baselines: the request as is, and
# ML.NET FastTree and LightGBM on the network's exact feature matrices, same seeds, tested on the same rows.
# Datasets (names for --datasets):
#   nsl-binary   NSL-KDD normal vs attack, KDDTrain+ -> KDDTest+ and KDDTest-21
#   nsl-iid      NSL-KDD normal vs attack, an i.i.d. stratified 80/20 split of KDDTrain+ (no unseen attack kinds)
#   nsl-5class   NSL-KDD normal/dos/probe/r2l/u2r, KDDTrain+ -> KDDTest+
#   nsl-names    NSL-KDD's attack names as classes (22 in the 20 % file, eleven with at most 10 rows; 23 in KDDTrain+), an
#                i.i.d. stratified 80/20 split of the training file: many classes, rare ones, no unseen kinds
#   synthetic    synthetic traffic (antinex-gateway generate, 20,000 rows), 80/20 split
# The AntiNex app datasets hold attack rows only and cleaned_attack_scans.csv has 12 rows: none can be scored.
# The difficulty column of NSL-KDD is never a feature (ignore_features).
# Usage: training/quality-figures.sh [--datasets "nsl-binary nsl-iid nsl-5class synthetic"] [--seeds "1 2 3"]
#          [--data DIR] [--out DIR] [--tree-threads N] [--train-file nsl-kdd/KDDTrain+.txt] [--novelty-budget P]
#   (the values shown are the defaults; nsl-names is left out unless named)
#   --seeds        request seeds (each seed: auto, FastTree and LightGBM trained and tested again)
#   --datasets     any of the names above, in the order given
#   --train-file   NSL-KDD training file under --data (the 20 % file is ~5x faster than KDDTrain+.txt)
#   --novelty-budget  sets the binary requests' novelty_budget (accuracy points on the selection rows the novelty detector
#                  may cost; the recommended request leaves it at 0); the derived requests say what they used
# Prints per dataset and model: accuracy, FPR (normal rows called attack), macro-F1: mean and min (FPR: max) over the
# seeds, and fit seconds; the auto mode's chosen candidate per seed. Tables and JSON go to OUT (default /tmp/antinex-quality-<UTC>).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
abs() { realpath -m -- "$1"; }
datasets="nsl-binary nsl-iid nsl-5class synthetic"
seeds="1 2 3"
data=$repo/../shared/datasets
out=/tmp/antinex-quality-$(date -u +%Y%m%dT%H%M%SZ)
tree_threads=1
train_file=nsl-kdd/KDDTrain+.txt
budget=
script=quality-figures
source "$repo/training/lib/options.sh"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --datasets) value "$@"; datasets=$2; shift 2 ;;
    --seeds) value "$@"; seeds=$2; shift 2 ;;
    --data) value "$@"; data=$(abs "$2"); shift 2 ;;
    --out) value "$@"; out=$(abs "$2"); shift 2 ;;
    --tree-threads) value "$@"; tree_threads=$2; shift 2 ;;
    --train-file) value "$@"; train_file=$2; shift 2 ;;
    --novelty-budget) value "$@"; budget=$2; shift 2 ;;
    -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) usage "unknown argument $1" ;;
  esac
done
known="nsl-binary nsl-iid nsl-5class nsl-names synthetic"
[[ -n ${datasets//[ ,]/} ]] || usage "--datasets names none of: $known"
for d in $datasets; do [[ " $known " == *" $d "* ]] || usage "--datasets: unknown dataset '$d' (known: $known)"; done
seeds=${seeds//,/ }
check_seeds "$seeds"
check_tree_threads "$tree_threads"
[[ -z $budget || ( $budget =~ ^[0-9]+(\.[0-9]+)?$ && $(awk -v b="$budget" 'BEGIN { print (b <= 10) }') == 1 ) ]] \
  || usage "--novelty-budget: '$budget' is not a number from 0 to 10 (accuracy points)"
[[ -d $data ]] || usage "--data: '$data' is not a folder"
if [[ " $datasets " == *" nsl-"* ]]; then
  [[ -f $data/$train_file ]] || usage "--train-file: '$train_file' is not a file under --data $data"
fi
check_out "$out"
cd "$repo"
fail() { echo "quality-figures: $*" >&2; exit 1; }
command -v dotnet >/dev/null || fail "dotnet is not on PATH"
command -v python3 >/dev/null || fail "python3 is needed to derive the requests and summarise"
[[ $(ldconfig -p 2>/dev/null || true) == *libgomp.so.1* ]] || fail "libgomp.so.1 (OpenMP, needed by LightGBM) is missing: apt-get install libgomp1"
mkdir -p "$out/data"
echo "== build (Release) ==" >&2
dotnet build training/AntiNex.Baselines -c Release -v q -nologo >&2 || fail "baselines build failed"
bench=(dotnet training/AntiNex.Baselines/bin/Release/net10.0/antinex-baselines.dll)
seed_list=${seeds// /,}

# derive NAME TEMPLATE PYTHON-EDITS: the template with only the data fields changed
derive() {
  python3 - "$repo/training/$2" "$out/$1.json" "$3" "$budget" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
exec(sys.argv[3])
if sys.argv[4] and 'multiclass' not in sys.argv[1]: r['novelty_budget'] = float(sys.argv[4])
json.dump(r, open(sys.argv[2], "w"), indent=2)
PY
}

run() { # NAME [ALSO-TEST]
  local name=$1; shift
  echo "== $name: seeds $seeds ==" >&2
  local also=()
  [[ $# -gt 0 ]] && also=(--also-test "$1")
  "${bench[@]}" -f "$out/$name.json" -d "$data" -d "$out/data" --seeds "$seed_list" "${also[@]}" --threads 1 \
    --tree-threads "$tree_threads" --json-out "$out/$name.result.json" 2>"$out/$name.log" >"$out/$name.txt" \
    || { grep -v '^\[' "$out/$name.log" | head -n 4 | sed 's/^/  /' >&2; fail "$name failed; its log: $out/$name.log"; }
}

start=$(date +%s)
for d in $datasets; do
  case "$d" in
    nsl-binary) derive $d recommended-binary.json "r['label']='NSL-KDD-Binary-Auto'; r['dataset']='$train_file'"
                run $d nsl-kdd/KDDTest-21.txt ;;
    nsl-iid) derive $d recommended-binary.json "r['label']='NSL-KDD-IID-Auto'; r['dataset']='$train_file'; r.pop('test_dataset')"
             run $d ;;
    nsl-5class) derive $d recommended-multiclass.json "r['label']='NSL-KDD-5class-Auto'; r['dataset']='$train_file'"
                run $d ;;
    nsl-names) derive $d recommended-multiclass.json "
import collections
names = [n for n, _ in collections.Counter(l.split(',')[41] for l in open('$data/$train_file') if l.strip()).most_common()]
r.update(label='NSL-KDD-Names-Auto', dataset='$train_file', target_rules={'map': {n: i for i, n in enumerate(names)}},
         label_rules={'labels': names, 'label_values': list(range(len(names)))})
r.pop('test_dataset')"
               run $d ;;
    synthetic)
      gw=(dotnet run --project AntiNex.Gateway -c Release -v q --)
      [[ -f AntiNex.Gateway/bin/Release/net10.0/antinex-gateway.dll ]] && gw=(dotnet AntiNex.Gateway/bin/Release/net10.0/antinex-gateway.dll)
      [[ -f "$out/data/synthetic.csv" ]] || "${gw[@]}" generate --rows 20000 --seed 7 --out "$out/data/synthetic.csv" >&2 \
        || fail "generate failed"
      derive $d recommended-binary.json "
d = json.load(open('$repo/training/demo-synthetic.json'))
for k in ['test_dataset', 'columns', 'csv_header', 'target_rules', 'ignore_features']: r.pop(k, None)
r.update(label='Synthetic-Auto', dataset='synthetic.csv', predict_feature=d['predict_feature'],
         features_to_process=d['features_to_process'], categorical_features=[], label_rules=d['label_rules'])"
      run $d ;;
    *) fail "unknown dataset $d (nsl-binary nsl-iid nsl-5class nsl-names synthetic)" ;;
  esac
done

python3 - "$out" $datasets <<'PY'
import json, sys, statistics as st
out = sys.argv[1]
print(f"{'dataset':<12} {'test':<26} {'model':<17} {'acc mean':>8} {'acc min':>8} {'FPR mean':>8} {'FPR max':>8} "
      f"{'mF1 mean':>8} {'mF1 min':>8} {'fit s':>7}  chosen")
for name in sys.argv[2:]:
    doc = json.load(open(f"{out}/{name}.result.json"))
    normal = 0
    groups = {}
    for r in doc["runs"]:
        groups.setdefault((r["test"], r["model"]), []).append(r)
    for (test, model), rs in groups.items():
        accs = [r["accuracy"] for r in rs]
        fprs, mf1s = [], []
        for r in rs:
            cm = r["confusion_matrix"]
            row = cm[normal]
            fprs.append(100.0 * (sum(row) - row[normal]) / max(1, sum(row)))
            k = len(cm)
            f1 = []
            for c in range(k):
                tp = cm[c][c]; fp = sum(cm[i][c] for i in range(k)) - tp; fn = sum(cm[c]) - tp
                if tp + fp + fn: f1.append(2 * tp / (2 * tp + fp + fn))
            mf1s.append(st.mean(f1))
        chosen = "; ".join(sorted({r.get("chosen") or "" for r in rs} - {""}))
        print(f"{name:<12} {test[-26:]:<26} {model:<17} {st.mean(accs):8.2f} {min(accs):8.2f} {st.mean(fprs):8.2f} {max(fprs):8.2f} "
              f"{st.mean(mf1s):8.4f} {min(mf1s):8.4f} {st.mean(r['fit_seconds'] for r in rs):7.1f}  {chosen}")
PY
echo "(seeds $seeds; all tables and logs in $out; $(( $(date +%s) - start )) s)"
