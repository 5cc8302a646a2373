#!/bin/sh
# Creates the lab's buckets once LocalStack is ready. Runs inside LocalStack's container (ready.d hook,
# where `awslocal` exists) and from the native runtime, which sets AWS_CLI to its own aws binary.
set -eu
: "${ARTIFACTS_BUCKET:?set ARTIFACTS_BUCKET}" "${DATA_BUCKET:?set DATA_BUCKET}"
AWS="${AWS_CLI:-awslocal}"
for bucket in "$ARTIFACTS_BUCKET" "$DATA_BUCKET"; do
  $AWS s3api head-bucket --bucket "$bucket" >/dev/null 2>&1 || $AWS s3api create-bucket --bucket "$bucket" >/dev/null
  echo "bucket ready: $bucket"
done
