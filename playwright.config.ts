import { defineConfig } from '@playwright/test';
import { existsSync } from 'node:fs';

// Playwright cannot download its own browsers here: use the system Chromium when it is there.
const systemChromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

export default defineConfig({
  testDir: 'test/e2e',
  // A spec takes 15–40 s alone here; under load (two workers on two cores) twice that.
  timeout: 120_000,
  // Generous: password hashing (scrypt at OWASP cost) is slow by design, more so on a busy 2-core machine.
  expect: { timeout: 30_000 },
  fullyParallel: true,
  workers: process.env.CI ? 2 : undefined,
  // One retry in CI against a rare timing flake on a busy 2-core machine; a real failure fails twice.
  retries: process.env.CI ? 1 : 0,
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  outputDir: 'test-results',
  use: {
    viewport: { width: 1280, height: 800 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.ROSTER_CHROMIUM ?? systemChromium,
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    },
  },
  projects: [
    { name: 'chromium-web-mode' },
    // Where the Electron binary exists (scripts/test.sh sets this), the specs tagged @desktop also
    // run against the real desktop window. Here it cannot be downloaded, so only web mode runs.
    ...(process.env.ROSTER_E2E_ELECTRON === '1' ? [{ name: 'electron', grep: /@desktop/ }] : []),
  ],
});
