#!/usr/bin/env bash
# Installs the LocalStack Lambda executor plugin (localstack/executor) into LocalStack's venv.
# A regular (non-editable) install: plux's setuptools hook in that venv breaks editable builds.
# Idempotent: reinstalls only when the plugin's sources change (stamp = hash of its files).
set -euo pipefail
cd "${ROOT:-$(dirname "$0")/../..}"
PY=.venv-localstack/bin/python
[ -x "$PY" ] || { echo "[drift] $PY missing: run scripts/install.sh first" >&2; exit 1; }
mkdir -p .tools/stamps
h=$(cat localstack/executor/pyproject.toml localstack/executor/obslab_lambda_executor/*.py | sha256sum | cut -c1-16)
if [ -f .tools/stamps/drift-executor ] && [ "$(cat .tools/stamps/drift-executor)" = "$h" ] && \
   "$PY" -c 'import obslab_lambda_executor' 2>/dev/null; then
  exit 0
fi
printf '\033[36m[install]\033[0m %s\n' "drift: LocalStack Lambda executor plugin (local-process)"
rm -rf localstack/executor/build localstack/executor/*.egg-info
PIP_CONSTRAINT= "$PY" -m pip install -q --disable-pip-version-check --no-build-isolation --force-reinstall --no-deps localstack/executor
rm -rf localstack/executor/build localstack/executor/*.egg-info
"$PY" -c 'import importlib.metadata as m, sys; sys.exit(0 if any(e.name == "local-process" for e in m.entry_points(group="localstack.lambda.runtime_executor")) else 1)'
echo "$h" > .tools/stamps/drift-executor
