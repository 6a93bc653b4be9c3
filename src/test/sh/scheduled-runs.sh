#!/usr/bin/env bash
# Checks the scheduled-run examples of jobs/: the Airflow DAG compiles, the Kubernetes YAML parses into a
# SparkApplication and its schedule, and jobs/cron-invert.sh runs end to end on a local folder that grows
# between two runs, skips while another run holds its lock, and exits non-zero when the job fails.
# Needs Debian's python3 with python3-yaml; run from the repository root after the jar is built.
set -euo pipefail
cd "$(dirname "$0")/../../.."

/usr/bin/python3 -m py_compile jobs/airflow/ddim_invert_dag.py
/usr/bin/python3 - <<'PY'
import yaml
docs = list(yaml.safe_load_all(open("jobs/k8s/ddim-invert.yaml")))
kinds = [d["kind"] for d in docs]
assert kinds == ["SparkApplication", "ScheduledSparkApplication"], kinds
app, scheduled = docs
assert app["spec"]["mainClass"] == "org.ddimspark.cli.Main"
assert app["spec"]["arguments"][0] == "invert" and "--resume" in app["spec"]["arguments"]
assert scheduled["spec"]["concurrencyPolicy"] == "Forbid"
assert scheduled["spec"]["template"]["arguments"] == app["spec"]["arguments"]
print("k8s: SparkApplication and ScheduledSparkApplication parse")
PY

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export DDIM_LOCK_DIR=$work
mkdir -p "$work/in"
cp src/test/resources/fashion-mnist/t10k-0000[0-2].png "$work/in/"
jobs/cron-invert.sh "$work/in" "$work/out" --steps 4 --quiet
grep -q '"rows": 3' "$work/out/_ddim_run.json"

# two more images arrive: the next run inverts only them
cp src/test/resources/fashion-mnist/t10k-0000[3-4].png "$work/in/"
jobs/cron-invert.sh "$work/in" "$work/out" --steps 4 --quiet
grep -q '"rows": 5' "$work/out/_ddim_run.json"
grep -q '"rows_kept": 3' "$work/out/_ddim_run.json"

# a run that finds the lock held skips, leaving the output as it is
lock="$work/ddim-invert-$(printf '%s' "$work/out" | sha256sum | cut -c1-16).lock"
before=$(sha256sum "$work/out/_ddim_run.json")
flock "$lock" jobs/cron-invert.sh "$work/in" "$work/out" --steps 4 --quiet 2>"$work/skip.log"
grep -q "skipped" "$work/skip.log"
[ "$before" = "$(sha256sum "$work/out/_ddim_run.json")" ]

# a failing job fails the script
if jobs/cron-invert.sh "$work/missing" "$work/out2" --quiet 2>"$work/fail.log"; then
  echo "cron-invert.sh exited 0 on a missing input" >&2
  exit 1
fi
grep -q "no such file or folder" "$work/fail.log"
echo "scheduled runs: DAG compiles, YAML parses, cron script inverted 3 then 2 new images, skipped under the lock, failed on a missing input"
