#!/usr/bin/env bash
# A new dataset as it comes, one command: writes a flow export shaped like the public ones (no ../shared needed) and
# trains the recommended multi-class request on it with only dataset, label, features and target changed.
#   flows.csv   24,903 rows: 13 numeric features (rates with Infinity and NaN cells), padded header names (" Flow Duration"),
#               one header name twice, a class column of 16 names (BENIGN ... Heartbleed, the rarest with 11 rows) and no
#               target_rules: the engine numbers the classes. Written in Windows-1252 ("Web Attack \x96 XSS"), not UTF-8.
#               auto vs FastTree vs LightGBM, training/AntiNex.Baselines.
#   ips.csv     60,000 rows with a "Source IP" column listed as categorical (53,753 addresses): wall time and peak memory of
#               train --local (the categorical cap keeps 256 values).
# Usage: training/flow-export-figures.sh [--seeds "1 2 3"] [--out DIR]     (everything is written into OUT only)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
seeds="1 2 3"
out=/tmp/antinex-flows-$(date -u +%Y%m%dT%H%M%SZ)
script=flow-export-figures
source "$repo/training/lib/options.sh"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seeds) value "$@"; seeds=$2; shift 2 ;;
    --out) value "$@"; out=$(realpath -m -- "$2"); shift 2 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) usage "unknown argument $1" ;;
  esac
done
seeds=${seeds//,/ }
check_seeds "$seeds"
check_out "$out"
command -v python3 >/dev/null || { echo "flow-export-figures: python3 is needed to write the data and requests" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "flow-export-figures: /usr/bin/time is needed for the memory figure (apt-get install time)" >&2; exit 1; }
mkdir -p "$out"
cd "$repo"
echo "== build (Release) ==" >&2
dotnet build training/AntiNex.Baselines -c Release -v q -nologo >&2
dotnet build AntiNex.Gateway -c Release -v q -nologo >&2

python3 - "$out" "$repo/training/recommended-multiclass.json" "$repo/training/recommended-binary.json" <<'PY'
import json, math, random, sys
out, multi, binary = sys.argv[1:4]
classes = [("BENIGN", 15000), ("DoS Hulk", 3000), ("PortScan", 2500), ("DDoS", 1800), ("DoS GoldenEye", 600), ("FTP-Patator", 500),
           ("SSH-Patator", 400), ("DoS slowloris", 300), ("DoS Slowhttptest", 280), ("Bot", 200), ("Web Attack \u2013 Brute Force", 150),
           ("Web Attack \u2013 XSS", 65), ("Infiltration", 36), ("Web Attack \u2013 Sql Injection", 21), ("Heartbleed", 11), ("Patator-Other", 40)]
header = [" Destination Port", " Flow Duration", "Flow Bytes/s", " Flow Packets/s", " Total Fwd Packets", " Total Backward Packets",
          "Total Length of Fwd Packets", " Fwd Packet Length Max", " Fwd Header Length", " Bwd Packet Length Mean", " Fwd Header Length",
          " Init_Win_bytes_forward", " act_data_pkt_fwd", " Idle Mean"]
rng, rows = random.Random(3), []
for ci, (name, n) in enumerate(classes):
    place = random.Random(ci * 7 + 1)  # where the class lives: one centre per feature
    centre = [place.uniform(0, 5) for _ in header]
    port = [80, 443, 22, 21, 8080, 53][ci % 6] if ci else None
    for _ in range(n):
        dur = 0 if rng.random() < 0.02 else math.exp(rng.gauss(centre[1] * 2, 1.5))
        pk, bk = max(1, int(math.exp(rng.gauss(centre[4], 0.7)))), max(0, int(math.exp(rng.gauss(centre[5], 0.7))) - 1)
        length = pk * math.exp(rng.gauss(centre[6] + 2, 0.8))
        rate = "Infinity" if dur == 0 else f"{length / dur * 1e6:.3f}"
        if rng.random() < 0.003: rate = "NaN"
        dport = port if port and rng.random() < 0.8 else rng.choice([80, 443, 53, rng.randint(1024, 65535)])
        hdr = pk * rng.choice([20, 32, 40])
        rows.append([dport, f"{dur:.0f}", rate, "Infinity" if dur == 0 else f"{(pk + bk) / dur * 1e6:.3f}", pk, bk, f"{length:.0f}",
                     f"{length / pk * rng.uniform(1, 2):.0f}", hdr, f"{math.exp(rng.gauss(centre[9] + 1, 1)):.2f}", hdr,
                     rng.choice([-1, 29200, 8192, 65535, int(centre[11] * 1000)]), max(0, pk - rng.randint(0, 3)),
                     f"{math.exp(rng.gauss(centre[13] * 3, 2)):.0f}", name])
rng.shuffle(rows)
# Written in Windows-1252, as the public exports are ("Web Attack \x96 XSS"): the engine reads a file that is not UTF-8 so.
with open(f"{out}/flows.csv", "w", encoding="cp1252") as f:
    f.write(",".join(header + [" Label"]) + "\n")
    f.writelines(",".join(map(str, r)) + "\n" for r in rows)
features = sorted({h.strip() for h in header}, key=[h.strip() for h in header].index)
r = json.load(open(multi))
for k in ["columns", "test_dataset", "target_rules", "label_rules", "ignore_features"]: r.pop(k, None)
r.update(label="Flows-Auto", dataset="flows.csv", csv_header=True, predict_feature="Label", features_to_process=features, categorical_features=[])
json.dump(r, open(f"{out}/flows.json", "w"), indent=2)
rng = random.Random(1)
with open(f"{out}/ips.csv", "w") as f:
    f.write("Source IP,x0,x1,Label\n")
    for _ in range(60000):
        label = "BENIGN" if rng.random() < 0.7 else "DoS"
        c = 0 if label == "BENIGN" else 1.5
        f.write(f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(0, 3)},{c + rng.gauss(0, 1):.4f},{c + rng.gauss(0, 1):.4f},{label}\n")
r = json.load(open(binary))
for k in ["columns", "test_dataset", "ignore_features"]: r.pop(k, None)
r.update(label="Ips-Auto", dataset="ips.csv", csv_header=True, predict_feature="Label", features_to_process=["Source IP", "x0", "x1"],
         categorical_features=["Source IP"], target_rules={"map": {"BENIGN": 0}, "default": 1})
json.dump(r, open(f"{out}/ips.json", "w"), indent=2)
PY

echo "== flows.csv: auto vs FastTree vs LightGBM, seeds $seeds ==" >&2
dotnet training/AntiNex.Baselines/bin/Release/net10.0/antinex-baselines.dll -f "$out/flows.json" -d "$out" --seeds "${seeds// /,}" \
  --json-out "$out/flows.result.json" 2>"$out/flows.log" | tee "$out/flows.txt"
echo "== ips.csv: train --local with a 53,753-address categorical column ==" >&2
/usr/bin/time -f "ips.csv: %e s wall, peak resident memory %M KB" -o "$out/ips.time" \
  dotnet AntiNex.Gateway/bin/Release/net10.0/antinex-gateway.dll train --local -f "$out/ips.json" -d "$out" >"$out/ips.txt" 2>"$out/ips.log"
grep -E "test accuracy|model kind|categorical_features" "$out/ips.txt" || true
cat "$out/ips.time"
echo "(all data, requests and reports in $out)"
