#!/usr/bin/env bash
# Reproduces README's reconstruction table (the shape of the DDIM paper's Table 2) for the bundled models:
# the first N Fashion-MNIST test images inverted to x_T with S steps and sampled back with the same S steps
# (eta = 0), the mean squared error on [0, 1] pixels per S.
#
#   jobs/table2.sh [N] [steps...]        default: N = 100, steps = 10 20 50 100 200 500 1000
#   INVERTER=exact jobs/table2.sh 100 10 20 50
#                                        the exact inverter (invert --inverter exact): how many images come back
#                                        pixel for pixel, and the round trip in model space
#
# Needs Debian's dataset-fashion-mnist and python3-pil for the test images (notebooks/export_pngs.py).
# Writes out/table2/<model>-<sha256 prefix>/N<count>-S<steps>/ (Parquet, run report) and prints a Markdown table.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# results are kept per model version (the first 12 hex digits of model.pt's sha256), and reused when present
card_sha() {
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["sha256"][:12])' \
    "$root/src/main/resources/models/$1/model.json"
}
count=${1:-100}
shift || true
steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(10 20 50 100 200 500 1000)
out=${TABLE2_OUT:-$root/out/table2}
inverter=${INVERTER:-ddim}
case "$inverter" in ddim) suffix="" ;; exact) suffix="-exact" ;; *) echo "INVERTER must be ddim or exact" >&2; exit 2 ;; esac
images="$out/images-$count"

if [ ! -f "$images/labels.csv" ]; then
  /usr/bin/python3 "$root/notebooks/export_pngs.py" --split t10k --count "$count" --out "$images" >&2
fi
for model in fashion-mnist-ddpm fashion-mnist-flow; do
  for s in "${steps[@]}"; do
    dir="$out/$model-$(card_sha "$model")/N$count-S$s$suffix"
    if [ ! -f "$dir/_ddim_run.json" ]; then
      "$root/jobs/ddim" invert --model "$model" --input "$images/*.png" --output "$dir" --reconstruct --steps "$s" \
        --inverter "$inverter" --batch-size 50 --overwrite >&2
    fi
  done
done

shas=$(for model in fashion-mnist-ddpm fashion-mnist-flow; do card_sha "$model"; done)
python3 - "$out" "$suffix" $shas "$count" "${steps[@]}" <<'PY'
import json, math, sys
out, suffix, shas, count, steps = sys.argv[1], sys.argv[2], sys.argv[3:5], sys.argv[5], sys.argv[6:]
if suffix == "-exact":
    print("\nExact inversion (--inverter exact) of the first %s Fashion-MNIST test images, sampled back\n" % count)
    print("| model | S | images back pixel for pixel | MSE on [0, 1] pixels | round trip MSE (model space) | largest error |")
    print("|---|---|---|---|---|---|")
    for model, sha in zip(("fashion-mnist-ddpm", "fashion-mnist-flow"), shas):
        for s in steps:
            r = json.load(open("%s/%s-%s/N%s-S%s%s/_ddim_run.json" % (out, model, sha, count, s, suffix)))
            m = r["metrics"]
            assert r["ok"] == int(count), "%s S=%s: %s of %s images ok" % (model, s, r["ok"], count)
            print("| %s | %s | %d of %s | %.3g | %.2e | %.2e |" % (model, s, m["lossless_rows"], count,
                  m["mean_reconstruction_mse"], m["mean_round_trip_mse"], m["max_round_trip_max_error"]))
    sys.exit(0)
paper = {"10": "0.014", "20": "0.0065", "50": "0.0023", "100": "0.0009", "200": "0.0004", "500": "0.0001", "1000": "0.0001"}
print("\nReconstruction error (mean squared error on [0, 1] pixels) of the first %s Fashion-MNIST test images\n" % count)
print("| | " + " | ".join("S = %s" % s for s in steps) + " |")
print("|---|" + "---|" * len(steps))
print("| DDIM paper, CIFAR-10 | " + " | ".join(paper.get(s, "") for s in steps) + " |")
for model, sha in zip(("fashion-mnist-ddpm", "fashion-mnist-flow"), shas):
    cells = []
    for s in steps:
        r = json.load(open("%s/%s-%s/N%s-S%s%s/_ddim_run.json" % (out, model, sha, count, s, suffix)))
        assert r["ok"] == int(count), "%s S=%s: %s of %s images ok" % (model, s, r["ok"], count)
        mse = r["metrics"]["mean_reconstruction_mse"]
        # two significant digits, at least four decimals, as the paper writes them
        cells.append("%.*f" % (max(4, 1 - math.floor(math.log10(mse))), mse))
    print("| %s | %s |" % (model, " | ".join(cells)))
PY
