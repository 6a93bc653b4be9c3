#!/usr/bin/env bash
# Verifies a release on a GPU host in a few minutes: the GPU the executors would be given, the on-device DDIM
# loop against the double-precision loop, sample jobs on the GPU against the CPU, the forward benchmark, and the
# four-column benchmark on the GPU (its table to docs/benchmarks/gpu.md, for README's GPU figures).
#
#   PYTORCH_LIBRARY_PATH=/opt/libtorch-2.7.1-cu128/lib jobs/gpu-check.sh
#
# DDIM_PYTHON names a Python whose torch has CUDA, for the benchmark's plain PyTorch column (default: python3).
# Needs Java 17, Maven with the project's dependencies, nvidia-smi, and a CUDA libtorch 2.7.1 (Maven Central
# has no CUDA native jar for DJL 0.36.0; its JNI jar carries the cu128 JNI library). Exits non-zero on the
# first failed check; the figures go to stdout.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
: "${PYTORCH_LIBRARY_PATH:?set PYTORCH_LIBRARY_PATH to the lib folder of a CUDA libtorch 2.7.1}"
export PYTORCH_FLAVOR=${PYTORCH_FLAVOR:-cu128}
export PYTORCH_VERSION=${PYTORCH_VERSION:-2.7.1}

echo "== GPUs the discovery script reports"
jobs/gpu-discovery.sh

echo "== the tensor loop on GPU 0 against the double-precision loop, and sample jobs on GPU against CPU"
mvn -B -q test -Dddim.test.device=gpu -Dsurefire.failIfNoSpecifiedTests=false \
  -Dtest='TensorDdimSamplerTest,GpuJobsTest,DeviceChoiceTest' 2>&1 | grep -E "relative difference|Tests run|FAIL|ERROR" || true
for report in target/surefire-reports/TEST-*{TensorDdimSamplerTest,GpuJobsTest}.xml; do
  grep -q 'failures="0"' "$report" && grep -q 'errors="0"' "$report" && ! grep -q 'skipped="[1-9]' "$report" \
    || { echo "gpu-check: $(basename "$report") failed or was skipped (does the engine see the GPU?)" >&2; exit 1; }
done
grep -h "relative difference" target/surefire-reports/*GpuJobsTest-output.txt 2>/dev/null || true

echo "== forward benchmark of the bundled UNet on GPU 0"
jobs/ddim bench --model fashion-mnist-flow --rows 256 --forward-batch 16,64,256 --steps 10

echo "== four-column benchmark on GPU 0: batches of 256 (512-row forwards with guidance), a torch with CUDA for column d"
# the card's forward_batch of 16 would split a batch into 32 forwards: a copy of the card with 256
rm -rf "$root/target/flow-256"
jobs/ddim bench --model fashion-mnist-flow --rows 256 --forward-batch 256 --repeats 1 --steps 0 --write-card "$root/target/flow-256" >/dev/null
jobs/ddim bench --model "$root/target/flow-256" --compare docs/benchmarks/gpu.md --rows 1024 --batch 256 --steps 10 \
  --job-rows 4096 --threads 4 --python "${DDIM_PYTHON:-python3}"
rm -rf "$root/target/flow-256"

echo "== the bundled model, 512 samples of 20 steps, CPU then GPU"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for device in cpu gpu; do
  jobs/ddim sample --device "$device" --count 512 --steps 20 --batch-size 64 --master 'local[4]' --quiet \
    --output "$out/$device" | head -n 1
done
