import { readFileSync, writeFileSync } from 'node:fs';
import type { Locator } from '@playwright/test';
import { expect, inviteByChips, registerOwner, test } from './fixtures';

/** Mantine's file input is a button opening the system's file chooser. */
async function chooseFile(button: Locator, path: string): Promise<void> {
  const chooser = button.page().waitForEvent('filechooser');
  await button.click();
  await (await chooser).setFiles(path);
}

test('Settings: the store in use, export this organization, import it again under another name', async ({ page }, testInfo) => {
  await registerOwner(page);
  await inviteByChips(page, ['nina@example.org', 'omar@example.org']);
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Settings', exact: true }).click();

  const store = page.getByRole('region', { name: 'Where the directory is kept' });
  await expect(store).toContainText('This computer only: the SQLite file');
  await expect(store.getByRole('button', { name: 'Move to PostgreSQL…' })).toBeDisabled();
  await expect(store.getByRole('button', { name: 'Move to PostgreSQL…' })).toHaveAttribute('title', 'Test the connection first');

  const card = page.getByRole('region', { name: 'Move an organization between installs' });
  const download = page.waitForEvent('download');
  await card.getByRole('button', { name: 'Export this organization' }).click();
  const file = (await (await download).path())!;
  await expect(card.getByRole('alert').filter({ hasText: 'Exported' })).toBeVisible();
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { format: string; organization: { name: string }; members: { email: string }[] };
  expect(doc.format).toBe('roster-organization');
  expect(doc.members.map((m) => m.email).sort()).toEqual(['ada@acme.test', 'nina@example.org', 'omar@example.org']);

  // The same file again: refused, naming what to fix, nothing written.
  await chooseFile(card.getByLabel('Organization file to import'), file);
  await card.getByRole('button', { name: 'Import an organization…' }).click();
  await page.getByRole('dialog', { name: 'Import this organization?' }).getByRole('button', { name: 'Import' }).click();
  await expect(card.getByRole('alert').filter({ hasText: 'Not imported' })).toContainText('$.organization.name: an organization named "Acme Robotics" already exists');

  doc.organization.name = 'Acme Robotics (copy)';
  const renamed = testInfo.outputPath('renamed.roster.json');
  writeFileSync(renamed, JSON.stringify(doc));
  await chooseFile(card.getByLabel('Organization file to import'), renamed);
  await card.getByRole('button', { name: 'Import an organization…' }).click();
  await page.getByRole('dialog', { name: 'Import this organization?' }).getByRole('button', { name: 'Import' }).click();
  const result = card.getByRole('alert').filter({ hasText: 'Imported Acme Robotics (copy)' });
  await expect(result).toContainText('3 members');
  await expect(result).toContainText('2 pending invitations came without a live link');
  await page.setViewportSize({ width: 1280, height: 800 });
  await store.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'test-results/screens/settings-transfer-1280.png', fullPage: true });
});

test('Settings: a step of the move with nothing to count shows a moving bar, not an empty one', async ({ page }) => {
  // The moves themselves run against a real PostgreSQL in test/unit/db; here only what the card draws
  // for each step the server reports, too brief to catch on a small store, so the store's answer is rewritten.
  let move: unknown = { step: 'moving', table: null, copied: 0, total: 0, message: 'Building the search indexes' };
  await page.route(/\/trpc\/[^?]*orgTransfer\.store/, async (route) => {
    const response = await route.fetch();
    const procedures = new URL(route.request().url()).pathname.replace(/^\/trpc\//, '').split(',');
    const body = (await response.json()) as { result?: { data?: { move?: unknown } } }[];
    procedures.forEach((p, i) => {
      if (p === 'orgTransfer.store' && body[i]?.result?.data) body[i].result.data.move = move;
    });
    await route.fulfill({ response, json: body });
  });
  await registerOwner(page);
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Settings', exact: true }).click();
  const store = page.getByRole('region', { name: 'Where the directory is kept' });
  const indexing = store.getByRole('progressbar', { name: 'Moving the directory: Building the search indexes' });
  await expect(indexing).toBeVisible();
  await expect(indexing).not.toHaveAttribute('aria-valuenow');
  await expect(indexing).toHaveAttribute('aria-valuetext', 'under way');
  await store.screenshot({ path: 'test-results/screens/settings-move-indexing.png' });

  move = { step: 'moving', table: 'member', copied: 500, total: 2000, message: 'Copying member' };
  const copying = store.getByRole('progressbar', { name: 'Moving the directory: Copying member (500 of 2,000)' });
  await expect(copying).toHaveAttribute('aria-valuenow', '25');
});
