import type { Page } from '@playwright/test';
import { acceptInvitation, expect, inviteByChips, registerOwner, test } from './fixtures';

/** Settings, Roles, Mail, invitee pages and backups: what a UX pass in a real browser tripped over. */

test.describe.configure({ timeout: 180_000 });

const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name, exact: true });

test('settings: out-of-range numbers are refused with the range and nothing is saved; toasts close by name', async ({ page }) => {
  await registerOwner(page);
  await nav(page, 'Settings').click();
  const idle = page.getByRole('textbox', { name: 'Lock the console after idle minutes' });
  const days = page.getByRole('textbox', { name: 'Invitations are valid for (days)' });
  await expect(idle).toHaveValue('15');
  await idle.fill('-5');
  await days.fill('0');
  await page.getByRole('button', { name: 'Save settings' }).click();
  // Not clamped on blur, not saved: each field says the allowed range.
  await expect(idle).toHaveValue('-5');
  await expect(days).toHaveValue('0');
  await expect(idle).toHaveAccessibleDescription(/Enter a whole number of minutes between 1 and 1440\./);
  await expect(days).toHaveAccessibleDescription(/Enter a whole number of days between 1 and 90\./);
  await expect(page.getByText('Settings saved')).toHaveCount(0);
  await page.reload();
  await expect(page.getByRole('textbox', { name: 'Lock the console after idle minutes' })).toHaveValue('15');
  await expect(page.getByRole('textbox', { name: 'Invitations are valid for (days)' })).toHaveValue('7');

  // A valid value saves, and the toast's close button has a name.
  await page.getByRole('textbox', { name: 'Lock the console after idle minutes' }).fill('30');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('Settings saved')).toBeVisible();
  await page.getByRole('button', { name: 'Close notification' }).first().click();
  await expect(page.getByText('Settings saved')).toHaveCount(0);

  // Web mode: the invitee pages run at the console's own address; no port field contradicts it.
  const origin = new URL(page.url()).origin;
  await expect(page.getByText(`Links currently start with ${origin}`)).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Port' })).toHaveCount(0);
  await expect(page.getByText('In web mode they are served by the console itself')).toBeVisible();

  // The backup picker dates read like the rest of the console ("Dec 7, 2026, 1:25 AM").
  await page.getByRole('button', { name: 'Back up now' }).click();
  await expect(page.getByText('Backed up', { exact: true })).toBeVisible();
  await page.getByRole('textbox', { name: 'Restore from' }).or(page.getByRole('combobox', { name: 'Restore from' })).first().click();
  await expect(page.getByRole('option').first()).toHaveText(/\([A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}\s?[AP]M\)$/);
});

test('backups: a restore says how many invitations accepted after the backup are pending again', async ({ page, roster }) => {
  await registerOwner(page);
  await inviteByChips(page, ['pat@example.org', 'quinn@example.org']);
  await nav(page, 'Settings').click();
  await page.getByRole('button', { name: 'Back up now' }).click();
  await expect(page.getByText('Backed up', { exact: true })).toBeVisible();
  await acceptInvitation(page, roster.baseURL, 'pat@example.org');

  await page.getByRole('textbox', { name: 'Restore from' }).or(page.getByRole('combobox', { name: 'Restore from' })).first().click();
  await page.getByRole('option').first().click();
  await page.getByRole('button', { name: 'Restore…' }).click();
  await page.getByRole('dialog', { name: 'Restore this backup?' }).getByRole('button', { name: 'Restore', exact: true }).click();
  await expect(page.getByText('Restored', { exact: true })).toBeVisible();
  await expect(page.getByText('1 invitation accepted after this backup is pending again and its link no longer works: resend it from Members.')).toBeVisible();
});

test('roles: leaving with unsaved permission changes asks Stay or Discard', async ({ page }) => {
  await registerOwner(page);
  await nav(page, 'Roles & permissions').click();
  const matrix = page.getByRole('table', { name: 'Permission matrix' });
  const box = matrix.getByRole('checkbox', { disabled: false }).first();
  const was = await box.isChecked();
  await box.click();
  await expect(page.getByText(/^Unsaved changes in /)).toBeVisible();

  await nav(page, 'Settings').click();
  const dialog = page.getByRole('dialog', { name: 'Unsaved changes' });
  await expect(dialog).toContainText('Discard your unsaved changes to the roles?');
  await dialog.getByRole('button', { name: 'Stay' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('heading', { name: 'Roles & permissions' })).toBeVisible();
  expect(await box.isChecked()).toBe(!was);

  await nav(page, 'Settings').click();
  await dialog.getByRole('button', { name: 'Discard' }).click();
  await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
  await nav(page, 'Roles & permissions').click();
  await expect(page.getByText(/^Unsaved changes in /)).toHaveCount(0);
  expect(await matrix.getByRole('checkbox', { disabled: false }).first().isChecked()).toBe(was);
  // Nothing unsaved: leaving asks nothing.
  await nav(page, 'Settings').click();
  await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
});

test('mail: "Send test mail" is disabled, saying why, while the form has unsaved changes', async ({ page }) => {
  await registerOwner(page);
  await nav(page, 'Mail').click();
  const testButton = page.getByRole('button', { name: 'Send test mail' });
  await expect(testButton).toBeEnabled();
  await page.getByLabel('Host').fill('127.0.0.1');
  await expect(testButton).toBeDisabled();
  await expect(testButton).toHaveAttribute('title', 'Save the settings first: the test uses the saved settings');
  await page.getByLabel('Sender address').fill('roster@acme.test');
  await page.getByRole('button', { name: 'Save mail settings' }).click();
  await expect(page.getByText('Mail settings saved')).toBeVisible();
  await expect(testButton).toBeEnabled();
});
