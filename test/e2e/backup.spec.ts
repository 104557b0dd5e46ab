import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, inviteByChips, registerOwner, test } from './fixtures';

test('back up now, then restore that backup after a confirmation: the later invitation is gone', async ({ page, roster }) => {
  await registerOwner(page);
  await inviteByChips(page, ['kept@acme.test']);
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Settings' }).click();
  const card = page.getByRole('region', { name: 'Backups' });
  await card.getByRole('button', { name: 'Back up now' }).click();
  await expect(card.getByText(/saved as .*backups/)).toBeVisible();
  expect(existsSync(join(roster.dataDir, 'backups'))).toBe(true);

  // Restore is disabled until a backup is chosen, and says why.
  await expect(card.getByRole('button', { name: 'Restore…' })).toBeDisabled();
  await inviteByChips(page, ['later@acme.test']);
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Settings' }).click();
  await card.getByRole('textbox', { name: 'Restore from' }).or(card.getByRole('combobox', { name: 'Restore from' })).first().click();
  await page.getByRole('option').first().click();
  await card.getByRole('button', { name: 'Restore…' }).click();
  const confirm = page.getByRole('dialog', { name: 'Restore this backup?' });
  await confirm.getByRole('button', { name: 'Restore' }).click();
  await expect(card.getByText(/The previous store was kept as/)).toBeVisible();

  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Members' }).click();
  await expect(page.getByText('kept@acme.test')).toBeVisible();
  await expect(page.getByText('later@acme.test')).toHaveCount(0);
});
