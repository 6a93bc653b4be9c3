#!/usr/bin/env bash
# Inverts the new images of a growing folder into one Parquet output: a cron-ready wrapper of
#   jobs/ddim invert --input INPUT --output OUTPUT --resume
# Only the files whose id the output lacks are inverted, so each run adds what arrived since the last.
# A lock per output (flock) makes sure two runs on this host never write one output at once: a run that
# finds the lock held prints so and exits 0 without touching the output. Any failure exits non-zero.
#
# Usage: jobs/cron-invert.sh INPUT OUTPUT [invert options, e.g. --config conf/s3.conf --steps 50]
# crontab (every 30 minutes; Java 17 on PATH or JAVA_HOME set):
#   */30 * * * * /opt/ddim-spark/jobs/cron-invert.sh s3a://bucket/incoming s3a://bucket/latents --config /opt/ddim-spark/conf/s3.conf >>/var/log/ddim-invert.log 2>&1
#
# Environment: DDIM_LOCK_DIR (default: $TMPDIR or /tmp), and what jobs/ddim reads (JAVA_HOME, SPARK_HOME, DDIM_CACHE).
# The lock is local to this host: schedule the job on one host (or use the scheduler's own guard, as the
# Airflow DAG's max_active_runs and the Kubernetes schedule's concurrencyPolicy do).
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 INPUT OUTPUT [invert options]" >&2
  exit 2
fi
input=$1
output=$2
shift 2
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

lock_dir=${DDIM_LOCK_DIR:-${TMPDIR:-/tmp}}
lock="$lock_dir/ddim-invert-$(printf '%s' "$output" | sha256sum | cut -c1-16).lock"
exec 9>>"$lock"
if ! flock -n 9; then
  echo "$(date -u +%FT%TZ) cron-invert: another run holds $lock (output $output): skipped" >&2
  exit 0
fi

echo "$(date -u +%FT%TZ) cron-invert: $input -> $output" >&2
status=0
"$root/jobs/ddim" invert --input "$input" --output "$output" --resume "$@" || status=$?
echo "$(date -u +%FT%TZ) cron-invert: exit $status" >&2
exit "$status"
