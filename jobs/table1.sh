#!/usr/bin/env bash
# Reproduces README's sample-quality table (the shape of the DDIM paper's Table 1) for the bundled models:
# for S steps and eta in {0, 1}, sample N class-conditional images (class i mod 10, seeds 0..N-1, the
# card's guidance) and evaluate them (class accuracy, FID in the classifier's feature space against the
# 10000 test images).
#
#   jobs/table1.sh [N] [steps...]        default: N = 200, steps = 10 20 50 100 1000
#
# Writes out/table1/<model>-<sha256 prefix>/S<steps>-eta<eta>/ (Parquet, contact sheet, reports) and prints a Markdown table.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# results are kept per model version (the first 12 hex digits of model.pt's sha256), and reused when present
card_sha() {
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["sha256"][:12])' \
    "$root/src/main/resources/models/$1/model.json"
}
count=${1:-200}
shift || true
steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(10 20 50 100 1000)
out=${TABLE1_OUT:-$root/out/table1}

for model in fashion-mnist-ddpm fashion-mnist-flow; do
  for s in "${steps[@]}"; do
    for eta in 0 1; do
      dir="$out/$model-$(card_sha "$model")/S$s-eta$eta"
      if [ ! -f "$dir/_ddim_eval.json" ]; then
        "$root/jobs/ddim" sample --model "$model" --output "$dir" --count "$count" --all-classes --steps "$s" \
          --eta "$eta" --batch-size 50 --overwrite >&2
        "$root/jobs/ddim" evaluate --input "$dir" >&2
      fi
    done
  done
done

shas=$(for model in fashion-mnist-ddpm fashion-mnist-flow; do card_sha "$model"; done)
python3 - "$out" $shas "${steps[@]}" <<'PY'
import json, sys
out, shas, steps = sys.argv[1], sys.argv[2:4], sys.argv[4:]
for model, sha in zip(("fashion-mnist-ddpm", "fashion-mnist-flow"), shas):
    base = "%s/%s-%s" % (out, model, sha)
    print("\n%s: class accuracy / FID (N = %s)\n" % (model, json.load(open("%s/S%s-eta0/_ddim_eval.json" % (base, steps[0])))["images"]))
    print("| eta | " + " | ".join("S = %s" % s for s in steps) + " |")
    print("|---|" + "---|" * len(steps))
    for eta in ("0", "1"):
        cells = []
        for s in steps:
            r = json.load(open("%s/S%s-eta%s/_ddim_eval.json" % (base, s, eta)))
            cells.append("%.3f / %.2f" % (r["class_accuracy"], r["fid"]))
        print("| %s | %s |" % (eta, " | ".join(cells)))
PY
