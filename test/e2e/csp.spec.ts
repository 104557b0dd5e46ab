import { chromium } from '@playwright/test';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, inviteByChips, registerOwner, test } from './fixtures';

/**
 * The console under a Content-Security-Policy without 'unsafe-inline' for styles (issue 16, Electron/CSP):
 * every <style> Mantine and its scroll lock add carries the page load's nonce, and the browser reports
 * no violation while the console is used (sign-up, dialogs with their scroll lock, a drawer, a menu, the colour theme).
 */
test('styles load under a nonce CSP without unsafe-inline, with no violation', async ({ page }) => {
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to apply/i.test(m.text())) violations.push(m.text());
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`Content Security Policy: ${e.violatedDirective} ${e.blockedURI}`));
  });
  const response = await page.reload();
  const csp = response!.headers()['content-security-policy']!;
  expect(csp).toMatch(/style-src 'self' 'nonce-[A-Za-z0-9+/]{22}=='/);
  expect(csp).not.toContain('unsafe-inline');

  await registerOwner(page);
  // A dialog (the scroll lock adds its own <style>) and the colour theme (Mantine adds one while switching).
  await page.getByRole('button', { name: 'Invite people' }).click();
  await expect(page.getByRole('dialog', { name: 'Invite people' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog', { name: 'Invite people' })).toHaveCount(0);
  // The invite dialog (combobox, preview), a member's side panel (drawer), the account menu (popover).
  await inviteByChips(page, ['grace@acme.test']);
  await page.getByRole('table', { name: 'Members' }).getByRole('button', { name: 'grace@acme.test', exact: true }).click();
  await expect(page.getByRole('dialog', { name: 'grace@acme.test' })).toBeVisible();
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Account menu' }).click();
  await expect(page.getByRole('menuitem', { name: 'Sign out' })).toBeVisible();
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Toggle color theme' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-mantine-color-scheme', /dark|light/);

  // Mantine's CSS variables applied (they come from its nonce'd <style> tag).
  const primary = await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--mantine-primary-color-filled').trim());
  expect(primary).not.toBe('');
  const unsigned = await page.evaluate(() => [...document.querySelectorAll('style')].filter((s) => !s.nonce).length);
  expect(unsigned).toBe(0);
  expect(violations).toEqual([]);
});

/**
 * The desktop window loads out/renderer/index.html from file://, under the page's own meta policy with
 * the fixed placeholder nonce (no server rewrites it). Electron cannot run here; Chromium with file
 * access (what Electron grants file:// pages) shows the same page styles itself without a violation.
 */
// Playwright requires an object pattern here even when no fixture is used.
// oxlint-disable-next-line no-empty-pattern
test('the desktop page (file://) applies its styles under its meta policy with no violation', async ({}) => {
  const executablePath = process.env.ROSTER_CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--headless', '--disable-gpu', '--allow-file-access-from-files'] });
  try {
    const page = await browser.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to apply/i.test(m.text())) violations.push(m.text());
    });
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => console.error(`Content Security Policy: ${e.violatedDirective} ${e.blockedURI}`));
    });
    await page.goto(pathToFileURL(resolve('out/renderer/index.html')).href);
    await expect.poll(() => page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--mantine-primary-color-filled').trim())).not.toBe('');
    const styles = await page.evaluate(() => [...document.querySelectorAll('style')].map((s) => s.nonce));
    expect(styles.length).toBeGreaterThan(0);
    expect(styles.every((n) => n === 'ROSTER_CSP_NONCE')).toBe(true);
    expect(violations).toEqual([]);
  } finally {
    await browser.close();
  }
});
