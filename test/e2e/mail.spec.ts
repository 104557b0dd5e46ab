import { readFileSync } from 'node:fs';
import { startSmtp } from '../support/smtp';
import { expect, inviteByChips, registerOwner, test } from './fixtures';

test('without SMTP the invitation stays queued and links can be exported; once SMTP is set, it is sent', async ({ page }) => {
  await registerOwner(page);
  await inviteByChips(page, ['nina@example.org']);
  const row = page.getByRole('table', { name: 'Members' }).getByRole('row', { name: 'nina@example.org' });
  await expect(row).toContainText('Mail queued');

  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Mail', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Mail', exact: true })).toBeVisible();
  await page.screenshot({ path: 'test-results/screens/mail-1280.png', fullPage: true });

  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export links (CSV)' }).click();
  const csv = readFileSync((await (await download).path())!, 'utf8');
  expect(csv).toMatch(/"nina@example\.org","","http:\/\/127\.0\.0\.1:\d+\/invite\/[A-Za-z0-9_-]{43}"/);

  const smtp = await startSmtp();
  try {
    // A port nobody listens on: the test mail says the host cannot be reached.
    const closed = await startSmtp();
    await closed.close();
    await page.getByLabel('Host').fill('127.0.0.1');
    await page.getByText('None', { exact: true }).click();
    await page.getByLabel('Port').fill(String(closed.port));
    await page.getByLabel('Sender address').fill('roster@acme.test');
    await page.getByRole('button', { name: 'Save mail settings' }).click();
    await expect(page.getByText('Mail settings saved')).toBeVisible();
    await page.getByRole('button', { name: 'Send test mail' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'Test mail not sent' })).toContainText(`Cannot reach 127.0.0.1:${closed.port}`);

    await page.getByLabel('Port').fill(String(smtp.port));
    await page.getByRole('button', { name: 'Save mail settings' }).click();
    await smtp.waitFor(1);
    expect(smtp.received[0]!.to).toEqual(['nina@example.org']);
    await page.reload();
    // A reload keeps the screen it was on; the member's row is one link away.
    await expect(page.getByRole('heading', { name: 'Mail', exact: true })).toBeVisible();
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Members' }).click();
    await expect(page.getByRole('table', { name: 'Members' }).getByRole('row', { name: 'nina@example.org' })).toContainText('Mail sent');
  } finally {
    await smtp.close();
  }
});
