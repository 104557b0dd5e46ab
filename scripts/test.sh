#!/usr/bin/env bash
# Installs everything the tests need on a fresh machine (Chromium included) and runs every test:
# type check, lint, unit tests (vitest, real SQLite files) and end-to-end tests (Playwright, real browser).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${ROSTER_CHROMIUM:-}" ] && [ ! -x /usr/bin/chromium ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "Installing Debian's Chromium for the browser tests..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi
bash scripts/install.sh
if [ -z "${ROSTER_CHROMIUM:-}" ] && [ ! -x /usr/bin/chromium ]; then
  # Elsewhere (macOS, Windows, no root): Playwright's own browser, where its download is reachable.
  npx playwright install chromium
fi

npm run typecheck
npm run lint
npx electron-vite build
npx vitest run
# The desktop window too, where Electron can run (its binary downloads at first use; here it cannot).
if node -e "require('electron')" >/dev/null 2>&1; then
  export ROSTER_E2E_ELECTRON=1
  if [ -z "${DISPLAY:-}" ] && command -v xvfb-run >/dev/null 2>&1; then exec xvfb-run -a npx playwright test; fi
else
  echo "Electron is not available here: end-to-end tests run against web mode only."
fi
npx playwright test
