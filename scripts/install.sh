#!/usr/bin/env bash
# Installs Roster's dependencies on a fresh machine. Needs only the npm registry (no GitHub):
# better-sqlite3 is compiled from source against Node's own headers when no prebuilt binary is reachable.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node.h ]; then export npm_config_nodedir=/usr; fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing dependencies (about 2-3 minutes the first time)..."
  # npm install, not npm ci: npm leaves some optional platform binaries out of the lock file, which npm ci then refuses.
  npm install --no-audit --no-fund
fi
