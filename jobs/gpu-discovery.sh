#!/bin/sh
# Spark resource discovery script for GPUs: prints {"name": "gpu", "addresses": ["0", "1", ...]}, the CUDA
# device indices the executor's PyTorch engine will see. With CUDA_VISIBLE_DEVICES set, CUDA renumbers the
# visible devices from 0, so those are the indices; otherwise nvidia-smi lists the host's GPUs.
#   spark.executor.resource.gpu.discoveryScript=jobs/gpu-discovery.sh   (YARN, Kubernetes)
#   spark.worker.resource.gpu.discoveryScript=jobs/gpu-discovery.sh     (standalone workers)
set -eu
if [ -n "${CUDA_VISIBLE_DEVICES:-}" ]; then
  count=$(printf '%s' "$CUDA_VISIBLE_DEVICES" | tr ',' '\n' | grep -c .)
  indices=$(seq 0 $((count - 1)))
elif command -v nvidia-smi >/dev/null 2>&1; then
  indices=$(nvidia-smi --query-gpu=index --format=csv,noheader)
else
  echo "gpu-discovery.sh: no nvidia-smi on this host and CUDA_VISIBLE_DEVICES is not set" >&2
  exit 1
fi
printf '{"name": "gpu", "addresses": ['
sep=""
for i in $indices; do
  printf '%s"%s"' "$sep" "$(printf '%s' "$i" | tr -d ' \r')"
  sep=", "
done
printf ']}\n'
