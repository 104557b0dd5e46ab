import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base } from '@playwright/test';
import { linkIn, startSmtp, type TestSmtp } from '../support/smtp';
import { expect, inviteByChips, registerOwner, startWebMode, OWNER, type RosterApp } from './fixtures';

/** Web mode configured headlessly with a real SMTP server on loopback (ROSTER_SMTP_URL). */
const test = base.extend<{ smtp: TestSmtp; roster: RosterApp }>({
  // oxlint-disable-next-line no-empty-pattern
  smtp: async ({}, use) => {
    const smtp = await startSmtp();
    await use(smtp);
    await smtp.close();
  },
  roster: async ({ smtp }, use) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'roster-e2e-'));
    const { child, baseURL } = await startWebMode(dataDir, { ROSTER_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, ROSTER_MAIL_FROM: 'Acme Roster <roster@acme.test>' });
    await use({ baseURL, dataDir, advanceClock: async () => undefined });
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  },
  page: async ({ page, roster }, use) => {
    await page.goto(roster.baseURL);
    await use(page);
  },
});

const PASSWORD = 'a long and private passphrase';

test('the admin invites; the mail arrives over SMTP; the invitee follows its link, accepts and signs in', async ({ page, smtp, browser, roster }) => {
  await registerOwner(page);
  await inviteByChips(page, ['grace@acme.test']);
  // Make Grace an Admin (through the admin's own session) so that she can use the console afterwards.
  const roles = (await (await page.request.get(`${roster.baseURL}/trpc/roles.list`)).json()) as { result: { data: { id: number; name: string }[] } };
  const list = (await (await page.request.get(`${roster.baseURL}/trpc/members.list?input=${encodeURIComponent(JSON.stringify({ search: 'grace' }))}`)).json()) as { result: { data: { items: { id: number }[] } } };
  const setRoles = await page.request.post(`${roster.baseURL}/trpc/members.setRoles`, {
    data: { ids: [list.result.data.items[0]!.id], roleIds: [roles.result.data.find((r) => r.name === 'Admin')!.id] },
    headers: { origin: roster.baseURL },
  });
  expect(setRoles.ok()).toBe(true);

  await smtp.waitFor(1);
  const mail = smtp.received[0]!;
  expect(mail.to).toEqual(['grace@acme.test']);
  expect(mail.subject).toContain(OWNER.organization);
  const link = linkIn(mail);

  const row = page.getByRole('table', { name: 'Members' }).getByRole('row', { name: 'grace@acme.test' });
  await expect(row).toContainText('Pending');

  const invitee = await (await browser.newContext()).newPage();
  await invitee.goto(link);
  await expect(invitee.getByRole('heading', { name: `Join ${OWNER.organization}` })).toBeVisible();
  await invitee.getByLabel('Choose a password').fill(PASSWORD);
  await invitee.getByLabel('Repeat the password').fill(PASSWORD);
  await invitee.getByRole('button', { name: 'Accept invitation' }).click();
  await expect(invitee.getByRole('heading', { name: `Welcome to ${OWNER.organization}` })).toBeVisible();

  // The admin's table changes without a reload.
  await expect(row).toContainText('Active');

  const console2 = await (await browser.newContext()).newPage();
  await console2.goto(page.url());
  await console2.getByRole('textbox', { name: 'Email' }).fill('grace@acme.test');
  await console2.getByRole('textbox', { name: 'Password' }).fill(PASSWORD);
  await console2.getByRole('button', { name: 'Sign in' }).click();
  await expect(console2.getByRole('heading', { name: 'Members' })).toBeVisible();
});

test('after a resend the first mailed link stops working and the second one works', async ({ page, smtp, browser }) => {
  await registerOwner(page);
  await inviteByChips(page, ['linus@acme.test']);
  await smtp.waitFor(1);
  const first = linkIn(smtp.received[0]!);

  await page.getByRole('button', { name: 'Actions for linus@acme.test' }).click();
  await page.getByRole('menuitem', { name: 'Resend invitation' }).click();
  await smtp.waitFor(2);
  const second = linkIn(smtp.received[1]!);
  expect(second).not.toBe(first);

  const invitee = await (await browser.newContext()).newPage();
  await invitee.goto(first);
  await expect(invitee.getByRole('heading', { name: 'This link was replaced' })).toBeVisible();
  await invitee.goto(second);
  await expect(invitee.getByRole('heading', { name: `Join ${OWNER.organization}` })).toBeVisible();
});
