#!/usr/bin/env bash
# Installs everything the tests need on a fresh machine (Chromium included) and runs every test:
# type check, lint, unit tests (vitest, on real SQLite files, then again on a real PostgreSQL) and
# end-to-end tests (Playwright, real browser).
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
# Electron configuration checks (offline): any HIGH, or a MEDIUM without its reason in
# scripts/electronegativity-allow.json, fails the run.
node scripts/electronegativity.mjs
npx electron-vite build
npx vitest run
# The same unit suite on PostgreSQL (team mode): test/support/postgres.ts starts a throwaway cluster
# (initdb in a temporary folder, a free loopback port, one database per test). Needs Debian's
# `postgresql` binaries, installed here when missing (root + apt-get). This second run takes about as
# long as the SQLite one (measured here with both runs side by side on 2 cores: SQLite 432 s, PostgreSQL
# 457 s; cluster start ~1 s, each test's database a clone of one migrated template).
if [ -z "${ROSTER_PG_BIN:-}" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "Installing Debian's PostgreSQL for the team-mode tests..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
fi
if [ -n "${ROSTER_PG_BIN:-}" ] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  ROSTER_TEST_STORE=postgres npx vitest run
else
  echo "PostgreSQL is not installed and cannot be installed here (needs root and apt-get): set ROSTER_PG_BIN to run the team-mode unit tests." >&2
  exit 1
fi
# The desktop window too, where Electron can run (its binary downloads at first use; here it cannot).
if node -e "require('electron')" >/dev/null 2>&1; then
  export ROSTER_E2E_ELECTRON=1
  if [ -z "${DISPLAY:-}" ] && command -v xvfb-run >/dev/null 2>&1; then exec xvfb-run -a npx playwright test; fi
else
  echo "Electron is not available here: end-to-end tests run against web mode only."
fi
npx playwright test
