#!/usr/bin/env bash
# Terraform driver behind mk/terraform.mk: local-apply | local-destroy | plan-prod | check | checkov | env.
# Reads ports and bucket names from obslab.settings (one place), picks the provider mirror when this
# machine has one, and never touches real AWS unless credentials are present (plan-prod only).
set -euo pipefail
TF_ROOT=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$TF_ROOT")
PY=${PY:-$ROOT/.venv/bin/python}
say() { printf '\033[36m[terraform]\033[0m %s\n' "$*"; }
die() { printf '\033[31m[terraform]\033[0m %s\n' "$*" >&2; exit 2; }

# Provider installation: the filesystem mirror shipped on lab machines, else the registry.
if [ -d /opt/tf-plugins ]; then export TF_CLI_CONFIG_FILE=$TF_ROOT/cli/mirror.tfrc
else export TF_CLI_CONFIG_FILE=$TF_ROOT/cli/registry.tfrc; fi
export TF_PLUGIN_CACHE_DIR=${TF_PLUGIN_CACHE_DIR:-$ROOT/.tools/tf-plugin-cache}
export TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE=1
export TF_IN_AUTOMATION=1
mkdir -p "$TF_PLUGIN_CACHE_DIR"
command -v terraform >/dev/null || die "terraform not found on PATH: install Terraform >= 1.7 (make install checks it)"

tf() { terraform "$@"; }
LOCAL=$TF_ROOT/envs/local
PROD=$TF_ROOT/envs/prod
# State of envs/local lives with the lab it describes: <OBSLAB_HOME>/state/terraform/local.tfstate
# (set by load_local_env). Tests point TF_LOCAL_STATE and TF_DATA_DIR at a temporary folder.
local_init() { tf -chdir="$LOCAL" init -input=false -reconfigure -backend-config="path=$TF_LOCAL_STATE" >/dev/null; }

local_vars() {
  # TF_VAR_ lines from the lab's settings, plus which lab resources already exist (to import).
  env -u AWS_CA_BUNDLE "$PY" - <<'PY'
import json, os
from obslab.settings import get_settings
s = get_settings()
url = s.localstack_url
print(f"TF_VAR_localstack_endpoint={url}")
print(f"TF_VAR_region={s.aws_region}")
print("TF_VAR_bucket_names=" + json.dumps({"artifacts": s.artifacts_bucket, "data": s.data_bucket}))
print(f"TF_VAR_pushgateway_url={s.pushgateway_url}")
print(f"LAB_TF_STATE={s.state_dir / 'terraform' / 'local.tfstate'}")
adopt = []
try:
    import boto3
    from botocore.config import Config
    kw = dict(endpoint_url=url, region_name=s.aws_region, aws_access_key_id="test", aws_secret_access_key="test",
              config=Config(retries={"max_attempts": 1}, connect_timeout=3, read_timeout=10))
    s3, lam, logs = (boto3.client(n, **kw) for n in ("s3", "lambda", "logs"))
    fn = os.environ.get("TF_VAR_drift_function_name", "obslab-drift-detector")
    for key, bucket in (("artifacts", s.artifacts_bucket), ("data", s.data_bucket)):
        try:
            s3.head_bucket(Bucket=bucket); adopt.append(key)
        except Exception:
            pass
    try:
        lam.get_function(FunctionName=fn); adopt.append("drift_function")
    except Exception:
        pass
    group = f"/aws/lambda/{fn}"
    if any(g["logGroupName"] == group for g in logs.describe_log_groups(logGroupNamePrefix=group).get("logGroups", [])):
        adopt.append("drift_log_group")
except Exception as e:  # LocalStack down: reported by the health check below
    print(f"PROBE_ERROR={type(e).__name__}")
print("TF_VAR_adopt_existing=" + json.dumps(adopt))
PY
}

load_local_env() {
  local line
  while IFS= read -r line; do export "${line?}"; done < <(local_vars)
  export TF_LOCAL_STATE=${TF_LOCAL_STATE:-$LAB_TF_STATE}
  mkdir -p "$(dirname "$TF_LOCAL_STATE")"
  curl -s -o /dev/null -m 3 "$TF_VAR_localstack_endpoint/_localstack/health" \
    || die "LocalStack is not answering at $TF_VAR_localstack_endpoint: start the lab first (make up)"
  unset AWS_CA_BUNDLE AWS_PROFILE
}

need_zip() {
  local zip=${TF_VAR_lambda_zip_path:-$ROOT/build/drift-lambda.zip}
  [ -f "$zip" ] || die "$zip is missing: build it with 'make drift-zip'"
}

case "${1:-}" in
  local-apply)
    load_local_env; need_zip
    say "LocalStack $TF_VAR_localstack_endpoint; importing existing lab resources: $TF_VAR_adopt_existing"
    t0=$(date +%s)
    local_init
    tf -chdir="$LOCAL" apply -input=false -auto-approve
    t1=$(date +%s)
    say "apply took $((t1 - t0)) s; checking that a second plan is a no-op"
    set +e; tf -chdir="$LOCAL" plan -input=false -detailed-exitcode -compact-warnings >/tmp/obslab-tf-plan.$$ 2>&1; rc=$?; set -e
    [ $rc -eq 0 ] || { cat /tmp/obslab-tf-plan.$$; rm -f /tmp/obslab-tf-plan.$$; die "second plan is not empty (exit $rc)"; }
    rm -f /tmp/obslab-tf-plan.$$
    say "no changes; $(tf -chdir="$LOCAL" state list | wc -l) resources in $TF_LOCAL_STATE ($(( $(date +%s) - t0 )) s in total)"
    ;;
  local-destroy)
    load_local_env
    local_init
    # The lab's buckets (and their data) belong to the lab: forget them instead of deleting them.
    for addr in $(tf -chdir="$LOCAL" state list 2>/dev/null | grep '^module.obslab.module.s3.aws_s3_bucket.this' || true); do
      tf -chdir="$LOCAL" state rm "$addr" >/dev/null && say "forgot $addr (bucket kept)"
    done
    export TF_VAR_lambda_zip_path=${TF_VAR_lambda_zip_path:-$ROOT/build/drift-lambda.zip}
    tf -chdir="$LOCAL" destroy -input=false -auto-approve
    ;;
  plan-prod)
    unset AWS_CA_BUNDLE
    if [ -z "${AWS_ACCESS_KEY_ID:-}" ] && [ -z "${AWS_PROFILE:-}" ] && [ ! -f "$HOME/.aws/credentials" ]; then
      say "No AWS credentials (AWS_ACCESS_KEY_ID / AWS_PROFILE / ~/.aws/credentials): cannot plan against AWS."
      say "Running the offline checks instead (fmt, validate, terraform test with a mocked provider, checkov)."
      exec "$0" check
    fi
    if [ -f "$PROD/backend.hcl" ]; then
      tf -chdir="$PROD" init -input=false -backend-config=backend.hcl
    else
      say "no envs/prod/backend.hcl: planning with a throwaway local state (see backend.hcl.example)"
      printf 'terraform {\n  backend "local" {}\n}\n' > "$PROD/zz_local_backend_override.tf"
      trap 'rm -f "$PROD/zz_local_backend_override.tf"' EXIT
      tf -chdir="$PROD" init -input=false -reconfigure >/dev/null
    fi
    tf -chdir="$PROD" plan -input=false -var-file=prod.tfvars -out=prod.tfplan
    ;;
  check)
    t0=$(date +%s)
    say "fmt -check"; tf -chdir="$TF_ROOT" fmt -check -recursive
    for env in local prod; do
      say "validate envs/$env"
      tf -chdir="$TF_ROOT/envs/$env" init -input=false -backend=false >/dev/null
      tf -chdir="$TF_ROOT/envs/$env" validate
    done
    say "terraform test (envs/prod, mocked aws provider, prod.tfvars)"
    tf -chdir="$PROD" test -var-file=prod.tfvars
    for dir in "$TF_ROOT"/modules/*/; do
      [ -d "$dir/tests" ] || continue
      say "terraform test (modules/$(basename "$dir"))"
      tf -chdir="$dir" init -input=false -backend=false >/dev/null
      tf -chdir="$dir" test
    done
    say "checkov"
    "$0" checkov
    say "all checks passed in $(( $(date +%s) - t0 )) s"
    ;;
  checkov)
    # Offline: no Prisma Cloud guideline download, no PyPI update check (the lab sends nothing out).
    shift
    [ -x "$ROOT/.venv-checkov/bin/checkov" ] || die "checkov missing: run make install (scripts/install.d/terraform.sh creates .venv-checkov)"
    BC_SKIP_MAPPING=TRUE CKV_SKIP_PACKAGE_UPDATE_CHECK=True \
      exec "$ROOT/.venv-checkov/bin/checkov" --config-file "$TF_ROOT/.checkov.yaml" -d "$TF_ROOT" "$@"
    ;;
  env)
    # Print the environment the tests and developers use to call terraform by hand.
    echo "export TF_CLI_CONFIG_FILE=$TF_CLI_CONFIG_FILE TF_PLUGIN_CACHE_DIR=$TF_PLUGIN_CACHE_DIR TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE=1"
    ;;
  *) die "usage: $0 local-apply|local-destroy|plan-prod|check|checkov|env" ;;
esac
