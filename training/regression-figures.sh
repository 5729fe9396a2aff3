#!/usr/bin/env bash
# Regression with model_kind "auto", one command: auto vs FastTree vs LightGBM on two generated regression datasets
# (no ../shared needed), the same seeds, tested on the same held-out rows. The tree requests carry the recipe auto fills
# in (apply_scaler, log_features auto, scaler standard, validation_split 0.1), so a tree auto serves is the very tree of
# its row. Datasets (written into OUT, never elsewhere):
#   sine       y = sin(x0)·x1 + 2 for tcp rows + 0.5·x2² + noise; 6,000 rows, one categorical column
#   friedman   Friedman #1: y = 10 sin(pi x0 x1) + 20 (x2 - 0.5)² + 10 x3 + 5 x4 + noise, five of ten columns unused; 8,000 rows
# Usage: training/regression-figures.sh [--seeds "1 2 3"] [--out DIR]
# Prints per dataset, seed and model: held-out MSE and R², what auto served, fit seconds.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
seeds="1 2 3"
out=/tmp/antinex-regression-$(date -u +%Y%m%dT%H%M%SZ)
script=regression-figures
source "$repo/training/lib/options.sh"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seeds) value "$@"; seeds=$2; shift 2 ;;
    --out) value "$@"; out=$(realpath -m -- "$2"); shift 2 ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) usage "unknown argument $1" ;;
  esac
done
seeds=${seeds//,/ }
check_seeds "$seeds"
check_out "$out"
command -v python3 >/dev/null || { echo "regression-figures: python3 is needed to write the data and requests" >&2; exit 1; }
mkdir -p "$out"
cd "$repo"
echo "== build (Release) ==" >&2
dotnet build AntiNex.Gateway -c Release -v q -nologo >&2
gw=(dotnet AntiNex.Gateway/bin/Release/net10.0/antinex-gateway.dll)

python3 - "$out" <<'PY'
import json, math, random, sys
out = sys.argv[1]
rng = random.Random(5)
with open(f"{out}/sine.csv", "w") as f:
    f.write("x0,x1,x2,proto,y\n")
    for _ in range(6000):
        x0, x1, x2, p = rng.uniform(-3, 3), rng.uniform(0, 5), rng.gauss(0, 1), rng.choice(["tcp", "udp", "icmp"])
        y = math.sin(x0) * x1 + (2 if p == "tcp" else 0) + 0.5 * x2 * x2 + rng.gauss(0, 0.3)
        f.write(f"{x0:.4f},{x1:.4f},{x2:.4f},{p},{y:.4f}\n")
rng = random.Random(11)
with open(f"{out}/friedman.csv", "w") as f:
    f.write(",".join(f"x{i}" for i in range(10)) + ",y\n")
    for _ in range(8000):
        x = [rng.random() for _ in range(10)]
        y = 10 * math.sin(math.pi * x[0] * x[1]) + 20 * (x[2] - 0.5) ** 2 + 10 * x[3] + 5 * x[4] + rng.gauss(0, 1)
        f.write(",".join(f"{v:.5f}" for v in x) + f",{y:.4f}\n")
base = {"ml_type": "regression", "predict_feature": "y", "model_kind": "auto"}
json.dump(dict(base, label="Sine-Auto", dataset="sine.csv", categorical_features=["proto"]), open(f"{out}/sine.json", "w"))
json.dump(dict(base, label="Friedman-Auto", dataset="friedman.csv"), open(f"{out}/friedman.json", "w"))
PY

printf '%-9s %-5s %-10s %10s %8s  %-28s %7s\n' dataset seed model "MSE" "R2" served "fit s"
for d in sine friedman; do
  for seed in $seeds; do
    for kind in auto fast_tree light_gbm; do
      python3 - "$out/$d.json" "$out/run.json" "$kind" "$seed" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r.update(model_kind=sys.argv[3], seed=int(sys.argv[4]))
if sys.argv[3] != "auto": r.update(apply_scaler=True, log_features="auto", scaler="standard", validation_split=0.1)
json.dump(r, open(sys.argv[2], "w"))
PY
      "${gw[@]}" train --local --json -f "$out/run.json" -d "$out" 2>"$out/$d-$seed-$kind.log" >"$out/$d-$seed-$kind.json" \
        || { echo "regression-figures: $d seed $seed $kind failed; its log: $out/$d-$seed-$kind.log" >&2; exit 1; }
      python3 - "$out/$d-$seed-$kind.json" "$d" "$seed" "$kind" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
r = d.get("report", d)
served = (r.get("selection") or {}).get("winner") or (r.get("model_kind") or "network")
print(f"{sys.argv[2]:<9} {sys.argv[3]:<5} {sys.argv[4]:<10} {r['mse']:10.5f} {r['r2']:8.4f}  {served:<28} {r['train_seconds']:7.1f}")
PY
    done
  done
done
echo "(seeds $seeds; requests, data and JSON reports in $out)"
