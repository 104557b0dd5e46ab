#!/usr/bin/env bash
# Installs Roster's dependencies on a fresh machine. Needs only the npm registry (no GitHub):
# better-sqlite3 is compiled from source against Node's own headers when no prebuilt binary is reachable.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node.h ]; then export npm_config_nodedir=/usr; fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing dependencies (about 2-3 minutes the first time)..."
  # npm ci: installs exactly the lock file (which lists every platform's optional binaries) and never rewrites it.
  npm ci --no-audit --no-fund
fi
