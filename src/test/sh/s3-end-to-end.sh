#!/usr/bin/env bash
# README's S3 commands end to end: jobs/ddim (the application jar through SparkSubmit, as a user runs it)
# against a real S3 server in a process of its own (S3Proxy), with conf/s3.conf, credentials from the
# environment (the standard chain) and an endpoint given by --conf: sample from a model in the bucket to the
# bucket, then export the bucket's output to a local folder. Run from the repository root after `mvn verify`.
set -euo pipefail
cd "$(dirname "$0")/../../.."

work=$(mktemp -d)
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

mvn -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$work/cp.txt" >/dev/null
secret=e2e-secret-$RANDOM$RANDOM
mkfifo "$work/stdin"
java -cp "target/test-classes:target/classes:$(cat "$work/cp.txt")" org.ddimspark.testing.S3ServerMain \
  "$work/endpoint" "$secret" bucket models/gaussian-stripes=models/gaussian-stripes <"$work/stdin" >"$work/server.log" 2>&1 &
server=$!
exec 8>"$work/stdin"   # the server runs while this stays open
for _ in $(seq 1 300); do [ -s "$work/endpoint" ] && break; sleep 0.1; done
endpoint=$(cat "$work/endpoint")

export AWS_ACCESS_KEY_ID=AKIDDIMSPARKTEST AWS_SECRET_ACCESS_KEY=$secret
s3=(--config conf/s3.conf --conf "fs.s3a.endpoint=$endpoint" --conf fs.s3a.path.style.access=true
    --conf fs.s3a.endpoint.region=us-east-1 --quiet)
jobs/ddim sample --model s3a://bucket/models/gaussian-stripes --output s3a://bucket/samples/run-1 \
  --count 16 --all-classes --steps 10 "${s3[@]}" | tee "$work/sample.out"
grep -q "sample: wrote 16 rows (16 ok, 0 error) to s3a://bucket/samples/run-1" "$work/sample.out"
jobs/ddim export --input s3a://bucket/samples/run-1 --output "$work/export" "${s3[@]}"
[ "$(ls "$work/export"/*.png | wc -l)" -eq 16 ]
if grep -rq "$secret" "$work/sample.out" "$work/export"; then
  echo "the secret was printed or exported" >&2
  exit 1
fi
echo "s3 end to end: jobs/ddim sampled 16 images from a model in the bucket into the bucket and exported them"
