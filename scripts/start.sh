#!/usr/bin/env bash
# Installs and starts Roster: the desktop window where Electron can run, web mode on loopback where it cannot.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
npx electron-vite build
exec node scripts/start.mjs "$@"
