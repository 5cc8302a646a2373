#!/usr/bin/env bash
# Installs everything the lab and its tests need on a fresh machine of this kind, skipping what is
# already there (stamp files keyed on the inputs' hashes). Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
say() { printf '\033[36m[install]\033[0m %s\n' "$*"; }
stamp_ok() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }
hash_of() { cat "$@" 2>/dev/null | sha256sum | cut -c1-16; }
mkdir -p .tools/bin .tools/stamps

# 1. Debian packages: Prometheus, Alertmanager, Pushgateway, postgres-exporter (+ promtool/amtool), wrk.
APT_PKGS=(prometheus prometheus-alertmanager prometheus-pushgateway prometheus-postgres-exporter wrk)
missing=()
for p in "${APT_PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  say "apt: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  # policy-rc.d keeps Debian from starting the packaged services: the lab starts its own.
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null; $SUDO chmod +x /usr/sbin/policy-rc.d; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The packages' own units would bind public ports if systemd ever ran them; make sure none runs.
for svc in prometheus prometheus-alertmanager prometheus-pushgateway prometheus-postgres-exporter; do
  pkill -x "$svc" -u prometheus 2>/dev/null || true
done

# 2. The project venv (Python 3.11), pinned by pyproject.toml + requirements.lock.
PY311=$(command -v python3.11 || true)
[ -n "$PY311" ] || { echo "python3.11 not found: install it (pyenv install 3.11) and rerun" >&2; exit 1; }
h=$(hash_of pyproject.toml requirements.lock)
if [ ! -x .venv/bin/obslab ] || ! stamp_ok .tools/stamps/venv "$h"; then
  say "venv: .venv (python 3.11) — about 2 minutes on a fresh machine"
  [ -x .venv/bin/python ] || "$PY311" -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -c requirements.lock -e . 2>&1 | grep -v "is ignored: it is neither" || true
  .venv/bin/python -c "import obslab, mlflow, fastapi" && echo "$h" > .tools/stamps/venv
fi

# 3. LocalStack's own venv (Python 3.13 only; pins from FACTS.md).
h=$(hash_of localstack/requirements.txt)
if [ ! -x .venv-localstack/bin/python ] || ! stamp_ok .tools/stamps/localstack "$h"; then
  # pyenv's shim for python3.13 exists even when 3.13 is not selected: prefer the real binary.
  PY313=$(ls -d "$(pyenv root 2>/dev/null || echo ~/.pyenv)"/versions/3.13*/bin/python3.13 2>/dev/null | tail -1 || true)
  [ -n "$PY313" ] || PY313=$(command -v python3.13 || true)
  [ -n "$PY313" ] || { echo "python3.13 not found: LocalStack 4.14 needs it (pyenv install 3.13)" >&2; exit 1; }
  say "venv: .venv-localstack ($PY313) — about 1 minute"
  [ -x .venv-localstack/bin/python ] || "$PY313" -m venv .venv-localstack
  .venv-localstack/bin/pip install -q --disable-pip-version-check -r localstack/requirements.txt 2>&1 | grep -v "is ignored: it is neither" || true
  .venv-localstack/bin/python -c "import localstack.runtime.main" && echo "$h" > .tools/stamps/localstack
fi

# 4. npm tools (mail catcher, dashboard type-checking), pinned in scripts/npm/package.json.
h=$(hash_of scripts/npm/package.json)
if ! stamp_ok .tools/stamps/npm "$h"; then
  say "npm: $(tr -d '\n' < scripts/npm/package.json | grep -o '"dependencies"[^}]*}' )"
  cp scripts/npm/package.json .tools/package.json
  (cd .tools && npm install --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$h" > .tools/stamps/npm
fi
ln -sf ../node_modules/.bin/maildev .tools/bin/maildev

# 5. Area-specific steps (terraform mirror config, compose binary, lambda executor plugin...).
for f in scripts/install.d/*.sh; do
  [ -e "$f" ] || continue
  # shellcheck disable=SC1090
  ROOT="$ROOT" bash "$f"
done
