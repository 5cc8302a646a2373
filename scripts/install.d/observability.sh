#!/usr/bin/env bash
# Observability area: the dashboard type-checker (@grafana/schema + typescript) in .tools/observability.
# promtool/amtool come with the Debian packages scripts/install.sh installs. Idempotent; fast when done.
set -euo pipefail
cd "${ROOT:-$(dirname "$0")/../..}"
PKG=observability/grafana/typecheck/package.json
DEST=.tools/observability
h=$(sha256sum "$PKG" | cut -c1-16)
if [ ! -x "$DEST/node_modules/.bin/tsc" ] || [ "$(cat .tools/stamps/observability 2>/dev/null)" != "$h" ]; then
  printf '\033[36m[install]\033[0m %s\n' "npm (observability): @grafana/schema + typescript into $DEST"
  mkdir -p "$DEST" .tools/stamps
  cp "$PKG" "$DEST/package.json"
  (cd "$DEST" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$h" > .tools/stamps/observability
fi
