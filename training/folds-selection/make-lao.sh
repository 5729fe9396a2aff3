#!/usr/bin/env bash
# Leave-attack-out split of KDDTrain+ (training data only), for choosing between variants by how they generalise to
# attack kinds they never saw, which is what KDDTest+ asks of them. Fixed rule, set before any run: per family
# (dos, probe, r2l, u2r) the SECOND most frequent attack kind of KDDTrain+ is held out (smurf, ipsweep, guess_passwd,
# rootkit), plus every 10th normal row. Criterion: balanced accuracy on holdout.txt = mean of the normal and attack recalls.
# Usage: training/folds-selection/make-lao.sh [KDDTrain+.txt] [OUT_DIR]   then train with -d OUT_DIR
#   defaults: the repository's ../shared/datasets/nsl-kdd/KDDTrain+.txt; a new private folder (printed) under $TMPDIR or /tmp
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
src=${1:-$repo/../shared/datasets/nsl-kdd/KDDTrain+.txt}
[[ -f $src ]] || { echo "make-lao: $src not found" >&2; exit 1; }
# No fixed shared folder by default: one left by another run or user could hold a split of another file.
out=${2:-$(mktemp -d "${TMPDIR:-/tmp}/nslkdd-lao.XXXXXX")}
mkdir -p "$out"
awk -F, -v out="$out" 'BEGIN{h["smurf"];h["ipsweep"];h["guess_passwd"];h["rootkit"]}
  { if ($42 in h) print > (out "/holdout.txt"); else if ($42=="normal" && (n++ % 10)==9) print > (out "/holdout.txt"); else print > (out "/train.txt") }' "$src"
wc -l "$out"/train.txt "$out"/holdout.txt
echo "leave-attack-out split in $out (train with -d $out)"
