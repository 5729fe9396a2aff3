#!/usr/bin/env bash
# Copied from engineer C's training/folds-selection/make-lao.sh (branch folds): the same fixed rule, so the novelty
# setting is chosen on the same split as the fold-ensemble variants.
# Leave-attack-out split of KDDTrain+ (training data only), for choosing between variants by how they generalise to
# attack kinds they never saw, which is what KDDTest+ asks of them. Fixed rule, set before any run: per family
# (dos, probe, r2l, u2r) the SECOND most frequent attack kind of KDDTrain+ is held out (smurf, ipsweep, guess_passwd,
# rootkit), plus every 10th normal row. Criterion: balanced accuracy on holdout.txt = mean of the normal and attack recalls.
# Usage: training/novelty-selection/make-lao.sh [KDDTrain+.txt] [OUT_DIR]   then train with -d OUT_DIR
set -euo pipefail
src=${1:-../shared/datasets/nsl-kdd/KDDTrain+.txt}
out=${2:-/tmp/nslkdd-lao}
mkdir -p "$out"
awk -F, -v out="$out" 'BEGIN{h["smurf"];h["ipsweep"];h["guess_passwd"];h["rootkit"]}
  { if ($42 in h) print > (out "/holdout.txt"); else if ($42=="normal" && (n++ % 10)==9) print > (out "/holdout.txt"); else print > (out "/train.txt") }' "$src"
wc -l "$out"/train.txt "$out"/holdout.txt
