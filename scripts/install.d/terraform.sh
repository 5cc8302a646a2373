#!/usr/bin/env bash
# Terraform area: checks the Terraform CLI and its provider source, and installs checkov (pinned, in
# its own venv .venv-checkov: its dependencies conflict with the project's). Idempotent and fast
# when already done (stamp = hash of terraform/checkov/requirements.txt).
set -euo pipefail
cd "${ROOT:-$(dirname "$0")/../..}"
say() { printf '\033[36m[install]\033[0m %s\n' "$*"; }
mkdir -p .tools/stamps .tools/tf-plugin-cache

# 1. Terraform >= 1.7 (terraform test with mock_provider). Lab machines ship 1.11 on PATH.
if ! command -v terraform >/dev/null; then
  echo "[terraform] terraform not found on PATH: install Terraform >= 1.7 (https://developer.hashicorp.com/terraform/install)" >&2
  exit 1
fi
v=$(terraform version -json 2>/dev/null | sed -n 's/.*"terraform_version": *"\([0-9.]*\)".*/\1/p')
case "$v" in 0.*|1.[0-6].*) echo "[terraform] Terraform $v is too old: >= 1.7 needed" >&2; exit 1 ;; esac
# The aws provider comes from the machine's filesystem mirror when there is one (terraform/tf.sh picks
# terraform/cli/mirror.tfrc then), else from the registry.
if [ -d /opt/tf-plugins ] && [ ! -d /opt/tf-plugins/registry.terraform.io/hashicorp/aws/5.100.0 ]; then
  echo "[terraform] warning: /opt/tf-plugins has no hashicorp/aws 5.100.0; envs need ~> 5.100" >&2
fi

# 2. ministack (PyPI, pinned): a second emulator that serves ECS/ELBv2/RDS/ECR/WAFv2/Cloud Map, used
#    by tests/terraform/test_ministack.py to smoke-apply the prod-only modules. Own venv.
MINISTACK_VERSION=1.5.33
if ! { [ -x .venv-ministack/bin/ministack ] && [ "$(cat .tools/stamps/ministack 2>/dev/null)" = "$MINISTACK_VERSION" ]; }; then
  PY=$(command -v python3.11 || command -v python3.12 || true)
  [ -n "$PY" ] || { echo "[terraform] python3.11 or 3.12 needed for ministack" >&2; exit 1; }
  say "terraform: ministack $MINISTACK_VERSION in .venv-ministack"
  [ -x .venv-ministack/bin/python ] || "$PY" -m venv .venv-ministack
  .venv-ministack/bin/pip install -q --disable-pip-version-check "ministack==$MINISTACK_VERSION" 2>&1 \
    | grep -v "is ignored: it is neither" || true
  [ -x .venv-ministack/bin/ministack ] && echo "$MINISTACK_VERSION" > .tools/stamps/ministack
fi

# 3. checkov in .venv-checkov (Python 3.11 or 3.12), pinned by terraform/checkov/requirements.txt.
h=$(sha256sum terraform/checkov/requirements.txt | cut -c1-16)
if [ -x .venv-checkov/bin/checkov ] && [ -f .tools/stamps/checkov ] && [ "$(cat .tools/stamps/checkov)" = "$h" ]; then
  exit 0
fi
PY=$(command -v python3.11 || command -v python3.12 || true)
[ -n "$PY" ] || { echo "[terraform] python3.11 or 3.12 needed for checkov" >&2; exit 1; }
say "terraform: checkov $(grep '^checkov==' terraform/checkov/requirements.txt | cut -d= -f3) in .venv-checkov"
[ -x .venv-checkov/bin/python ] || "$PY" -m venv .venv-checkov
.venv-checkov/bin/pip install -q --disable-pip-version-check -r terraform/checkov/requirements.txt 2>&1 \
  | grep -v "is ignored: it is neither" || true
.venv-checkov/bin/checkov --version >/dev/null && echo "$h" > .tools/stamps/checkov
