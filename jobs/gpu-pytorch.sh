#!/usr/bin/env bash
# The PyTorch side of a GPU host, for hosts where the JVM side cannot run yet: the bundled models' plain PyTorch
# DDIM loop (column d of `ddim bench --compare`) on GPU 0 at forward batches of 16 to 1024, the fixed cost of a
# step on the closed-form gaussian-eps, and every model directory of the repository loaded on the CPU and on the
# GPU with one forward compared (the models were traced by torch 1.13; this is the check a newer torch runs).
#
#   DDIM_PYTHON=python3 jobs/gpu-pytorch.sh        # a Python whose torch has CUDA
#
# Prints JSON lines; docs/benchmarks/gpu.md records what a run printed.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
py=${DDIM_PYTHON:-python3}
loop=src/main/resources/org/ddimspark/benchmark/plain_pytorch_ddim.py
status=0

echo "== host"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader
"$py" -c 'import torch, platform; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name(0), "python", platform.python_version())'
echo "java: $(command -v java || echo none)"

echo "== every model directory, CPU against GPU 0"
"$py" src/test/python/models_on_device.py src/main/resources/models src/test/resources/models models --device cuda \
  || status=1

echo "== plain PyTorch DDIM loop on GPU 0, 10 steps, the card's guidance (2 rows a forward per image)"
for model in fashion-mnist-flow fashion-mnist-ddpm; do
  for batch in 16 64 256 1024; do
    "$py" "$loop" "src/main/resources/models/$model" --device cuda --batch "$batch" --rows $((batch * 32)) \
      --steps 10 || status=1
  done
done
"$py" "$loop" src/main/resources/models/fashion-mnist-flow --flops || status=1

echo "== fixed cost of a step: gaussian-eps (1 x 16 x 16), batches of 16, 1000 steps, GPU 0 then one CPU thread"
for device in cuda cpu; do
  "$py" "$loop" src/test/resources/models/gaussian-eps --device "$device" --batch 16 --rows 16 --steps 1000 || status=1
done
exit $status
