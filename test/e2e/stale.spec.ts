import type { Page } from '@playwright/test';
import { api, expect, registerOwner, test } from './fixtures';

async function openSettings(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Settings' }).click();
  // The form opens once the saved values (and their version) are in.
  await expect(page.getByRole('textbox', { name: 'Organization name' })).toHaveValue('Acme Robotics');
}

// Team mode: the same admin (or two admins) with the settings open twice; the save from the older copy
// is refused with who changed them and when, and the form keeps what was typed.
test('settings saved from a stale copy: refused with "Changed by … reload", the input kept', async ({ page }) => {
  await registerOwner(page);
  const other = await page.context().newPage();
  await other.goto(page.url());
  await openSettings(page);
  await openSettings(other);

  await other.getByRole('textbox', { name: 'Invitations are valid for (days)' }).fill('21');
  await other.getByRole('button', { name: 'Save settings' }).click();
  await expect(other.getByRole('alert').filter({ hasText: 'The organization settings were updated.' }).first()).toBeVisible();

  const days = page.getByRole('textbox', { name: 'Invitations are valid for (days)' });
  await days.fill('30');
  await page.getByRole('button', { name: 'Save settings' }).click();
  const refusal = page.getByRole('alert').filter({ hasText: 'Not saved' });
  await expect(refusal).toContainText(/Changed by ada@acme\.test at \d{4}-\d\d-\d\d \d\d:\d\d UTC: reload to see it\./);
  await expect(days).toHaveValue('30');

  // After a reload the other tab's value shows, and a save goes through.
  await page.reload();
  await expect(days).toHaveValue('21');
  await days.fill('30');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'The organization settings were updated.' }).first()).toBeVisible();
});

test('a sub-account renamed from a stale copy: refused in the dialog, the typed name kept', async ({ page, roster }) => {
  await registerOwner(page);
  await api(page.request, roster.baseURL, 'accounts.create', { name: 'France' });
  const other = await page.context().newPage();
  await other.goto(page.url());
  const rename = async (p: Page, name: string) => {
    await p.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Accounts' }).click();
    await p.getByRole('button', { name: 'Actions for France' }).click();
    await p.getByRole('menuitem', { name: 'Rename' }).click();
    const dialog = p.getByRole('dialog', { name: /^Rename / });
    await dialog.getByRole('textbox', { name: 'Name' }).fill(name);
    return dialog;
  };
  const mine = await rename(page, 'Francia');
  const theirs = await rename(other, 'Gaul');
  await theirs.getByRole('button', { name: 'Rename' }).click();
  await expect(theirs).toBeHidden();

  await mine.getByRole('button', { name: 'Rename' }).click();
  await expect(mine.getByRole('alert')).toContainText(/Changed by ada@acme\.test at .+ UTC: reload to see it\./);
  await expect(mine.getByRole('textbox', { name: 'Name' })).toHaveValue('Francia');
});
