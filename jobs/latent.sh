#!/usr/bin/env bash
# README's numbers of the bundled latent model (fashion-mnist-latent-flow): class accuracy and FID of N samples
# (class i mod 10, the card's guidance) at S steps, the 20 Fashion-MNIST test images inverted through its
# encoder and reconstructed through its decoder, and a request table with embeddings (keys into the model's
# embeddings table, and embeddings of their own: notebooks/latent_requests.py).
#
#   jobs/latent.sh [N] [S]        default: N = 300, S = 20
#
# Writes out/latent/ (Parquet, contact sheets, reports) and prints the figures.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${1:-300}
steps=${2:-20}
out=${LATENT_OUT:-$root/out/latent}
model=fashion-mnist-latent-flow
embeddings="$root/src/main/resources/models/$model/embeddings.jsonl"

"$root/jobs/ddim" sample --model "$model" --output "$out/sample" --count "$n" --all-classes --steps "$steps" \
  --batch-size 50 --overwrite --quiet
"$root/jobs/ddim" evaluate --input "$out/sample"
"$root/jobs/ddim" invert --model "$model" --input "$root/src/test/resources/fashion-mnist/*.png" \
  --output "$out/invert" --steps "$steps" --reconstruct --overwrite
/usr/bin/python3 "$root/notebooks/latent_requests.py" --out "$out/requests.jsonl"
"$root/jobs/ddim" sample --model "$model" --requests "$out/requests.jsonl" --embeddings "$embeddings" \
  --output "$out/requests" --steps "$steps" --overwrite
