import { writeFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, registerOwner, test } from './fixtures';

/** Issue 16 (CSV import): a bad row is skipped with its file line, a big file is refused before parsing, a large one parses in a worker with progress. */

// Password hashing and a 5 MB file on a 2-core machine shared by several runs.
test.describe.configure({ timeout: 180_000 });

async function screens(page: Page, name: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.evaluate((s) => document.documentElement.setAttribute('data-mantine-color-scheme', s), scheme);
    await page.screenshot({ path: `test-results/screens/csv-${name}-${scheme}.png` });
  }
  await page.evaluate(() => document.documentElement.setAttribute('data-mantine-color-scheme', 'light'));
}

async function openDialog(page: Page) {
  await registerOwner(page);
  await page.getByRole('button', { name: 'Invite people' }).click();
  return page.getByRole('dialog', { name: 'Invite people' });
}

test('a CSV with a bad line 3: that row is skipped saying "line 3: …", the others are ready and sent', async ({ page }) => {
  const dialog = await openDialog(page);
  const csv = [
    'email,name,phone,notes',
    'al@acme.test,Al,,',
    `bad@acme.test,${'N'.repeat(201)},,`,
    'bob@acme.test,Bob,,"two',
    'lines"',
    `pat@acme.test,Pat,${'1'.repeat(41)},`,
    'not-an-address,Nobody,,',
    'cy@acme.test,Cy,,',
  ].join('\n');
  await dialog.locator('input[type=file]').setInputFiles({ name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  const preview = dialog.getByRole('region', { name: 'Preview' });
  await expect(preview).toContainText('3 to invite, 3 skipped');
  await expect(preview.getByRole('row', { name: 'bad@acme.test' })).toContainText('line 3: the name is longer than 200 characters');
  // The quoted field spans lines 4–5: the next row is line 6 of the file.
  await expect(preview.getByRole('row', { name: 'pat@acme.test' })).toContainText('line 6: the phone number is longer than 40 characters');
  await expect(preview.getByRole('row', { name: 'not-an-address' })).toContainText('line 7: not a valid email address');
  for (const ok of ['al@acme.test', 'bob@acme.test', 'cy@acme.test']) await expect(preview.getByRole('row', { name: ok })).toContainText('Will be invited');
  await preview.scrollIntoViewIfNeeded();
  await screens(page, 'bad-line');

  await dialog.getByRole('button', { name: 'Send 3 invitations' }).click();
  await expect(dialog.getByText(/^Invitations (sent|created)$/)).toBeVisible();
  await expect(dialog).toContainText('Skipped (3)');
  await expect(dialog).toContainText('bad@acme.test — line 3: the name is longer than 200 characters');
  await expect(dialog).toContainText('not-an-address — line 7: not a valid email address');
});

test('a file over 200,000 rows is refused at once, saying about how many it has', async ({ page }, testInfo) => {
  const dialog = await openDialog(page);
  const file = testInfo.outputPath('huge.csv');
  writeFileSync(file, `email\n${Array.from({ length: 900_000 }, (_, i) => `p${i % 10}@x.test`).join('\n')}\n`);
  await dialog.locator('input[type=file]').setInputFiles(file);
  await expect(dialog.getByRole('alert')).toContainText('This file has about 900,000 rows; Roster imports at most 200,000 per batch: split it');
  await expect(dialog.getByRole('region', { name: 'CSV import' })).toHaveCount(0);
  await screens(page, 'too-many');
});

test('a 5 MB file parses in a worker: progress with a percentage and Cancel, then the preview', async ({ page }, testInfo) => {
  // Test-only hold on the worker's last message, so the progress can be looked at and cancelled without racing the parse.
  // The page is already open (the fixture loads it): the hold is put in place now, not as an init script.
  await page.evaluate(() => {
    const w = window as unknown as { __holdCsv: boolean; __held: (() => void)[] };
    w.__holdCsv = true;
    w.__held = [];
    const native = Object.getOwnPropertyDescriptor(Worker.prototype, 'onmessage')!;
    Object.defineProperty(Worker.prototype, 'onmessage', {
      ...native,
      set(this: Worker, fn: ((e: MessageEvent) => void) | null) {
        native.set!.call(this, (e: MessageEvent) => {
          if (w.__holdCsv && (e.data as { type?: string })?.type === 'done') w.__held.push(() => fn?.call(this, e));
          else fn?.call(this, e);
        });
      },
    });
  });
  const dialog = await openDialog(page);
  const rows = 25_000;
  const notes = 'x'.repeat(150);
  const file = testInfo.outputPath('large.csv');
  writeFileSync(file, `email,name,notes\n${Array.from({ length: rows }, (_, i) => `person${i}@acme.test,Person ${i},"${notes}"`).join('\n')}\n`);
  const input = dialog.locator('input[type=file]');

  // First load: progress shown, then cancelled: nothing is imported.
  await input.setInputFiles(file);
  const reading = dialog.getByRole('region', { name: 'Reading the CSV file' });
  await expect(reading.getByRole('progressbar', { name: 'Reading large.csv' })).toHaveAttribute('aria-valuenow', /^([1-9]\d?|100)$/);
  await expect(reading).toContainText(/Reading large\.csv… \d+%/);
  await screens(page, 'progress');
  await reading.getByRole('button', { name: 'Cancel reading large.csv' }).click();
  await expect(reading).toHaveCount(0);
  await page.evaluate(() => (window as unknown as { __held: (() => void)[] }).__held.forEach((f) => f()));
  await expect(dialog.getByRole('region', { name: 'CSV import' })).toHaveCount(0);

  // Second load, let through: the preview of every row.
  await page.evaluate(() => ((window as unknown as { __holdCsv: boolean }).__holdCsv = false));
  await input.setInputFiles(file);
  await expect(dialog.getByRole('region', { name: 'CSV import' })).toContainText(`large.csv: ${rows.toLocaleString('en-US')} rows`);
  await expect(dialog.getByRole('region', { name: 'Preview' })).toContainText(`${rows} to invite`, { timeout: 60_000 });
  await expect(dialog.getByRole('button', { name: `Send ${rows} invitations` })).toBeEnabled();
  await dialog.getByRole('region', { name: 'Preview' }).scrollIntoViewIfNeeded();
  await screens(page, 'large-preview');
});
