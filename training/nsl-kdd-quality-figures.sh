#!/usr/bin/env bash
# Issue 6 figures: a request trained on the full KDDTrain+ with seeds 1-3, tested on KDDTest+ (its test_dataset) and
# KDDTest-21 (--also-test). The configuration was chosen on training data only (validation loss); never on these files.
# Usage: training/nsl-kdd-quality-figures.sh [REQUEST.json] [DATA_DIR]   (needs jq; 1 torch thread)
set -euo pipefail
cd "$(dirname "$0")/.."
req=${1:-training/nsl-kdd-binary-quality.json}
data=${2:-../shared/datasets}
dotnet build AntiNex.Gateway -v q -nologo >/dev/null
printf '%-5s %10s %8s %8s %8s %8s %12s %7s\n' seed KDDTest+ prec recall F1 AUC KDDTest-21 epochs
for s in 1 2 3; do
  AntiNex.Gateway/bin/Debug/net10.0/antinex-gateway train --local -f "$req" -d "$data" --seed "$s" --threads 1 \
      --also-test nsl-kdd/KDDTest-21.txt --json 2>/dev/null \
    | jq -r --arg s "$s" '[$s, (.accuracy|.*100|round/100), (.precision*1e4|round/1e4), (.recall*1e4|round/1e4), (.f1*1e4|round/1e4),
        (.roc_auc*1e4|round/1e4), (.also_tested[0].accuracy|.*100|round/100), .epochs_run] | @tsv'
done | tee /dev/stderr | awk '{a+=$2; b+=$7; if(NR==1||$2<ma)ma=$2; if(NR==1||$7<mb)mb=$7} END {printf "mean  KDDTest+ %.2f  KDDTest-21 %.2f | min KDDTest+ %.2f  KDDTest-21 %.2f\n", a/NR, b/NR, ma, mb}'
