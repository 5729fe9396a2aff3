#!/usr/bin/env bash
# Large training files (README "Large trainings"), each figure next to its baseline or goal:
#   1. for each size (default 1,000,000 and 10,000,000 synthetic rows, `generate`): one `train --local` process per size
#      (the synthetic demo network, 1 epoch, batch 256, 1 torch thread), its peak RSS (/usr/bin/time -v) against the
#      float32 feature matrix (rows x 66 x 4 bytes; goal <= 1.5x), also net of the process floor (the same training on
#      1,000 rows: runtime and libtorch), the training's wall time and training-loop rows/s;
#   2. `bench training` on each size (--bench-rows: which ones): CSV load rows/s and MB/s vs a plain CsvHelper loop over the
#      same file, and training rows/s vs a bare TorchSharp loop on the same network and batch (goal >= 0.95x), in one process.
# Sizes that did not run (--rows) are extrapolated from the measured ones (linear in rows) and marked so.
# Own temporary folder (deploy/lib/bench-isolation.sh): a user's .run/, data and cluster are never touched.
# Usage: bash deploy/lib/scale-training.sh [--rows "1000000 10000000"] [--bench-rows "N ..." (default: the --rows sizes)]
#        [--epochs 1] [--rounds 3]; ANTINEX_BENCH_TRAINING_ROWS sets the default --rows
#        (called by deploy/bench-scale.sh)
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SIZES="${ANTINEX_BENCH_TRAINING_ROWS:-1000000 10000000}" EPOCHS=1 ROUNDS=3 BENCH_SIZES=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) SIZES=$2; shift 2 ;;
    --bench-rows) BENCH_SIZES=$2; shift 2 ;;
    --epochs) EPOCHS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    *) echo "usage: scale-training.sh [--rows \"N1 N2 ...\"] [--bench-rows \"N ...\"] [--epochs E] [--rounds R]" >&2; exit 2 ;;
  esac
done
BENCH_SIZES="${BENCH_SIZES:-$SIZES}"
source "$REPO/deploy/lib/bench-isolation.sh"
bench_isolate training 1
DATA="$ANTINEX_RUN_DIR/data"
trap bench_cleanup EXIT
mkdir -p "$DATA"
bench_setup_done
command -v /usr/bin/time >/dev/null || { echo "scale-training: /usr/bin/time (GNU time) is needed for peak RSS" >&2; exit 1; }
# Built first, as the other benchmarks are: the figures must be those of the current sources, not of an older build.
dotnet build "$REPO/AntiNex.Gateway/AntiNex.Gateway.csproj" -c "$ANTINEX_CONFIGURATION" --nologo -v q >/dev/null
GW=(dotnet "$REPO/AntiNex.Gateway/bin/$ANTINEX_CONFIGURATION/net10.0/antinex-gateway.dll")
FEATURES=66
echo "scale-training: sizes $SIZES, $EPOCHS epoch(s), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

request() { # request ROWS -> request file for DATA/ROWS.csv
  sed -e 's#"label": "[^"]*"#"label": "large-training"#' -e "s#\"dataset\": \"[^\"]*\"#\"dataset\": \"$1.csv\"#" \
      -e "s#\"epochs\": [0-9]*#\"epochs\": $EPOCHS#" -e 's#"num_splits": [0-9]*#"num_splits": 0#' \
      -e 's#"batch_size": [0-9]*#"batch_size": 256#' -e 's#"max_records": [0-9]*#"max_records": 10#' \
      "$REPO/training/demo-synthetic.json" >"$DATA/$1.json"
}
field() { sed -n "s/.*\"$1\": *\([0-9.e+-]*\).*/\1/p" | head -1; }
train() { # train ROWS -> "peak_kb wall_s rows_per_s"
  local rows=$1
  [ -f "$DATA/$rows.csv" ] || "${GW[@]}" generate --rows "$rows" --out "$DATA/$rows.csv" >/dev/null 2>&1
  request "$rows"
  /usr/bin/time -v -o "$DATA/$rows.time" "${GW[@]}" train --local --json -f "$DATA/$rows.json" --data-root "$DATA" --threads 1 \
    >"$DATA/$rows.out" 2>"$DATA/$rows.err" || { echo "training $rows rows failed:" >&2; tail -5 "$DATA/$rows.err" >&2; return 1; }
  echo "$(sed -n 's/.*Maximum resident set size (kbytes): \([0-9]*\)/\1/p' "$DATA/$rows.time") $(field train_seconds <"$DATA/$rows.out")" \
       "$(field rows_per_second <"$DATA/$rows.out")"
}

# Every net figure below subtracts the floor: without it they would be wrong, not missing.
floor_out=$(train 1000) || { echo "scale-training: the 1,000-row floor run failed" >&2; exit 1; }
read -r floor _ _ <<<"$floor_out"
[[ "$floor" =~ ^[0-9]+$ ]] && [ "$floor" -gt 0 ] \
  || { echo "scale-training: no peak RSS from the floor run; its /usr/bin/time output:" >&2; cat "$DATA/1000.time" >&2; exit 1; }
echo "process floor (the same training on 1,000 rows): $((floor / 1024)) MiB peak RSS"
echo
printf '%12s %10s %12s %12s %10s %14s %10s %14s\n' rows "file MiB" "matrix MiB" "peak MiB" "peak/mat" "(peak-floor)/m" "train s" "loop rows/s"
measured=() benches=()
for rows in $SIZES; do
  if ! out=$(train "$rows"); then printf '%12s  failed (see above)\n' "$rows"; continue; fi
  read -r peak wall rps <<<"$out"
  mib=$(awk -v b="$(stat -c %s "$DATA/$rows.csv")" 'BEGIN { printf "%.0f", b / 1048576 }')
  awk -v r="$rows" -v f="$mib" -v p="$peak" -v fl="$floor" -v w="$wall" -v s="$rps" -v k="$FEATURES" 'BEGIN {
    m = r * k * 4 / 1048576; pm = p / 1024
    printf "%12d %10s %12.0f %12.0f %9.2fx %13.2fx %10.1f %14.0f\n", r, f, m, pm, pm / m, (pm - fl / 1024) / m, w, s }'
  measured+=("$rows $peak $wall")
  if [[ " $BENCH_SIZES " == *" $rows "* ]]; then
    benches+=("== bench training, $rows rows (one process; load rounds alternate the two readers) ==")
    benches+=("$("${GW[@]}" bench training --file "$DATA/$rows.csv" --epochs "$EPOCHS" --batch-size 256 --threads 1 --rounds "$ROUNDS" \
      --train-rounds "$ROUNDS" | grep -v '^figures ' || echo "bench training on $rows rows failed")")
  fi
  rm -f "$DATA/$rows.csv"
done
if [ "${#measured[@]}" -ge 2 ]; then
  printf '%s\n' "${measured[@]}" | awk -v k="$FEATURES" '
    { n++; x[n] = $1; y[n] = $2 / 1024; t[n] = $3 }
    END { sx = x[1]; sy = y[1]; ex = x[n]; ey = y[n]; slope = (ey - sy) / (ex - sx)
          printf "\nmemory per row (between %d and %d rows): %.0f bytes (the float32 matrix alone: %d bytes)\n", sx, ex, slope * 1048576, k * 4 }'
elif [ "${#measured[@]}" -eq 1 ]; then
  read -r r p w <<<"${measured[0]}"
  awk -v r="$r" -v p="$p" -v fl="$floor" -v w="$w" -v k="$FEATURES" 'BEGIN {
    per = (p - fl) * 1024 / r; big = 10000000
    printf "\nextrapolated (linear from %d rows, not measured): 10,000,000 rows -> peak ~%.0f MiB (%.2fx the %.0f MiB matrix), train ~%.0f s\n",
      r, (fl * 1024 + per * big) / 1048576, (fl * 1024 + per * big) / (big * k * 4), big * k * 4 / 1048576, w * big / r }'
fi

for b in "${benches[@]}"; do echo; printf '%s\n' "$b"; done
echo "(machine: $(nproc) cores, load at end $(cut -d' ' -f1-3 /proc/loadavg); figures from a loaded machine are pessimistic)"
