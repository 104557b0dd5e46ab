import type { Page } from '@playwright/test';
import { expect, registerOwner, test } from './fixtures';

/** A refused save says what is wrong on the field it concerns, in the admin's words (no internal path), and goes once that field is edited. */

test.describe.configure({ timeout: 180_000 });

const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name, exact: true });

test('settings: a refused domain shows on the Allowed domains field without its path and clears on typing; the time zone is picked from a list', async ({ page }) => {
  await registerOwner(page);
  await nav(page, 'Settings').click();
  const domains = page.getByRole('combobox', { name: 'Allowed domains' });
  await expect(domains).toBeEnabled();
  await domains.fill('acme');
  await domains.press('Enter');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(domains).toHaveAccessibleDescription(/Domains look like example\.com\./);
  await expect(domains).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('allowDomains.0')).toHaveCount(0);
  await expect(page.getByRole('alert').filter({ hasText: 'Not saved' })).toHaveCount(0);
  await page.screenshot({ path: 'test-results/screens/settings-field-error-1280.png', fullPage: true });
  // Editing the field takes the error away.
  await domains.press('Backspace');
  await expect(domains).not.toHaveAccessibleDescription(/Domains look like/);
  await expect(domains).not.toHaveAttribute('aria-invalid', 'true');

  // The time zone is a searchable list: typing a city finds its zone, and the save keeps it.
  const zone = page.getByRole('combobox', { name: 'Time zone' });
  await zone.fill('Paris');
  await page.getByRole('option', { name: 'Europe/Paris' }).click();
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('Settings saved')).toBeVisible();
  await page.reload();
  await expect(page.getByRole('combobox', { name: 'Time zone' })).toHaveValue('Europe/Paris');
});

test('mail and sync: the sender address and the SCIM URL are refused on their fields, without the path', async ({ page }) => {
  await registerOwner(page);
  await nav(page, 'Mail').click();
  await page.getByRole('textbox', { name: 'Host' }).fill('smtp.acme.test');
  const sender = page.getByRole('textbox', { name: 'Sender address' });
  await sender.fill('roster@acme');
  await page.getByRole('button', { name: 'Save mail settings' }).click();
  await expect(sender).toHaveAccessibleDescription(/^Enter the sender address, for example roster@example\.org\.$/);
  await expect(page.getByText('fromAddress:')).toHaveCount(0);
  await sender.fill('roster@acme.test');
  await expect(sender).not.toHaveAttribute('aria-invalid', 'true');

  await nav(page, 'Sync').click();
  const url = page.getByRole('textbox', { name: 'SCIM base URL' });
  await url.fill('idp.acme.test/scim/v2');
  await page.getByLabel('Bearer token').fill('secret-token');
  await page.getByRole('button', { name: 'Save sync settings' }).click();
  await expect(url).toHaveAccessibleDescription(/^Enter the SCIM base URL, for example https:\/\/idp\.example\.org\/scim\/v2\.$/);
  await expect(page.getByText('baseUrl:')).toHaveCount(0);
  await url.fill('https://idp.acme.test/scim/v2');
  await expect(url).not.toHaveAttribute('aria-invalid', 'true');
});
