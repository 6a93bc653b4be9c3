#!/usr/bin/env bash
# Equal-quality comparison of the solvers on the bundled models: DDIM at S = 50 (and 20) against
# DPM-Solver++(2M) at fewer steps, N class-conditional images each (class i mod 10, seeds 0..N-1, the card's
# guidance, eta 0), evaluated with `evaluate` (class accuracy, FID in the bundled classifier's feature space
# against the 10000 test images), with the sampling time of each cell.
#
#   jobs/solvers.sh [N] [dpm++2m steps...]       default: N = 300, steps = 10 15 20 25
#   jobs/solvers.sh N SOLVER:S...                 these cells only, e.g. ddim:10 exact:10 ddim:50 exact:50
#
# Writes out/solvers/<model>-<sha256 prefix>/<solver>-S<steps>/ and prints a Markdown table.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
card_sha() {
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["sha256"][:12])' \
    "$root/src/main/resources/models/$1/model.json"
}
count=${1:-300}
shift || true
steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(10 15 20 25)
out=${SOLVERS_OUT:-$root/out/solvers}
cells=("ddim 50" "ddim 20")
if [[ "${steps[0]}" == *:* ]]; then cells=(); fi
for s in "${steps[@]}"; do
  if [[ "$s" == *:* ]]; then cells+=("${s%%:*} ${s##*:}"); else cells+=("dpm++2m $s"); fi
done

for model in fashion-mnist-ddpm fashion-mnist-flow; do
  for cell in "${cells[@]}"; do
    read -r solver s <<< "$cell"
    dir="$out/$model-$(card_sha "$model")/$solver-S$s"
    if [ ! -f "$dir/_ddim_eval.json" ]; then
      "$root/jobs/ddim" sample --model "$model" --output "$dir" --count "$count" --all-classes --steps "$s" \
        --solver "$solver" --batch-size 50 --overwrite --quiet >&2
      "$root/jobs/ddim" evaluate --input "$dir" >&2
    fi
  done
done

shas=$(for model in fashion-mnist-ddpm fashion-mnist-flow; do card_sha "$model"; done)
python3 - "$out" $shas "${cells[@]}" <<'PY'
import json, sys
out, shas, cells = sys.argv[1], sys.argv[2:4], sys.argv[4:]
for model, sha in zip(("fashion-mnist-ddpm", "fashion-mnist-flow"), shas):
    base = "%s/%s-%s" % (out, model, sha)
    first = "%s/%s-S%s" % ((base,) + tuple(cells[0].split()))
    print("\n%s (N = %s):\n" % (model, json.load(open(first + "/_ddim_eval.json"))["images"]))
    print("| solver | S | network calls | class accuracy | FID | sampling s | images/s |")
    print("|---|---|---|---|---|---|---|")
    for cell in cells:
        solver, s = cell.split()
        d = "%s/%s-S%s" % (base, solver, s)
        e = json.load(open(d + "/_ddim_eval.json"))
        r = json.load(open(d + "/_ddim_run.json"))
        secs = r["stage_seconds"]["sample_and_write"]
        print("| %s | %s | %s | %.3f | %.2f | %.1f | %.1f |" % (solver, s, s, e["class_accuracy"], e["fid"], secs,
                                                         r["rows"] / secs))
PY
