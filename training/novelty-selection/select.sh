#!/usr/bin/env bash
# Chooses the novelty setting of training/nsl-kdd-binary-novelty.json on KDDTrain+ only (leave-attack-out split, see
# make-lao.sh): per seed, the request's network + one autoencoder per size, thresholds for each max_fpr; then the mean
# balanced accuracy on the holdout per setting, best first. The test files are never read.
# Usage: training/novelty-selection/select.sh [REQUEST.json] [SEEDS] [SIZES] [FPRS]
#   defaults: training/nsl-kdd-binary-quality.json "1 2 3" "32,8;64,16;128,32;256,64" "0.005,0.01,0.02,0.03,0.04,0.05,0.06,0.07,0.1"
set -euo pipefail
case "${1:-}" in -h|--help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
request=$(realpath -m -- "${1:-$repo/training/nsl-kdd-binary-quality.json}")
seeds=${2:-1 2 3}
sizes=${3:-32,8;64,16;128,32;256,64}
fprs=${4:-0.005,0.01,0.02,0.03,0.04,0.05,0.06,0.07,0.1}
# Refused before the split and the build, naming the argument: not a .NET exception minutes later.
usage() { echo "select.sh: $* (see --help)" >&2; exit 2; }
[[ -f $request ]] || usage "request '$request' is not a file"
for s in $seeds; do [[ $s =~ ^-?[0-9]{1,9}$ ]] || usage "seed '$s' is not an integer"; done
[[ $sizes =~ ^[0-9]+(,[0-9]+)*(\;[0-9]+(,[0-9]+)*)*$ ]] || usage "sizes '$sizes' are not layer widths like 128,32;64,16"
[[ $fprs =~ ^[0-9.]+(,[0-9.]+)*$ ]] || usage "max_fpr values '$fprs' are not numbers like 0.02,0.05"
# A private split, made from this KDDTrain+ on every run (seconds): a shared folder could hold another file's split.
lao=$(mktemp -d "${TMPDIR:-/tmp}/nslkdd-lao.XXXXXX")
out=$(mktemp)
trap 'rm -rf "$lao" "$out"' EXIT
bash "$repo/training/folds-selection/make-lao.sh" "$repo/../shared/datasets/nsl-kdd/KDDTrain+.txt" "$lao" >&2
dotnet build "$here" -c Release -v q -nologo >&2
for s in $seeds; do
  dotnet "$here/bin/Release/net10.0/novelty-selection.dll" "$request" "$lao" "$s" "$sizes" "$fprs" | tee -a "$out"
done
echo; echo "mean balanced accuracy on the holdout over seeds ($seeds), best first:"
awk '{ key=$3; for (i=4;i<=NF && $i!="attack";i++) key=key" "$i; sum[key]+=$NF; n[key]++ }
     END { for (k in sum) printf "%6.2f  %s\n", sum[k]/n[k], k }' "$out" | sort -rn
