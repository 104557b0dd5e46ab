import type { APIRequestContext, Browser, Page } from '@playwright/test';
import { acceptOnPortal, expect, inviteByChips, registerOwner, test, OWNER } from './fixtures';

const NEW_PASSWORD = 'a long and private passphrase';

/** The id of the member shown with this address, read through the admin's own session. */
async function memberId(request: APIRequestContext, baseURL: string, email: string): Promise<number> {
  const input = encodeURIComponent(JSON.stringify({ search: email, limit: 5 }));
  const res = await request.get(`${baseURL}/trpc/members.list?input=${input}`);
  const body = (await res.json()) as { result: { data: { items: { id: number; email: string }[] } } };
  return body.result.data.items.find((m) => m.email === email)!.id;
}

async function call(request: APIRequestContext, baseURL: string, path: string, data: unknown): Promise<unknown> {
  const res = await request.post(`${baseURL}/trpc/${path}`, { data, headers: { origin: baseURL } });
  expect(res.ok(), await res.text()).toBe(true);
  return ((await res.json()) as { result: { data: unknown } }).result.data;
}

async function copyLink(page: Page, baseURL: string, email: string): Promise<string> {
  const id = await memberId(page.request, baseURL, email);
  return ((await call(page.request, baseURL, 'members.copyInviteLink', { id })) as { url: string }).url;
}

async function inviteeTab(browser: Browser): Promise<Page> {
  const context = await browser.newContext();
  return context.newPage();
}

test('an invitee accepts and sets a password; the admin sees Active at once; the new admin signs in', async ({ page, roster, browser }) => {
  await registerOwner(page);
  await inviteByChips(page, ['grace@acme.test']);
  // Make Grace an Admin so she can use the console.
  const roles = (await (await page.request.get(`${roster.baseURL}/trpc/roles.list`)).json()) as { result: { data: { id: number; name: string }[] } };
  const admin = roles.result.data.find((r) => r.name === 'Admin')!;
  await call(page.request, roster.baseURL, 'members.setRoles', { ids: [await memberId(page.request, roster.baseURL, 'grace@acme.test')], roleIds: [admin.id] });
  const row = page.getByRole('table', { name: 'Members' }).getByRole('row', { name: 'grace@acme.test' });
  await expect(row).toContainText('Pending');

  const link = await copyLink(page, roster.baseURL, 'grace@acme.test');
  const invitee = await inviteeTab(browser);
  await invitee.goto(link);
  await expect(invitee.getByRole('heading', { name: `Join ${OWNER.organization}` })).toBeVisible();
  await expect(invitee.getByRole('definition').filter({ hasText: OWNER.name })).toBeVisible();
  await invitee.getByLabel('Choose a password').fill(NEW_PASSWORD);
  await invitee.getByLabel('Repeat the password').fill(NEW_PASSWORD);
  await invitee.getByRole('button', { name: 'Accept invitation' }).click();
  await expect(invitee.getByRole('heading', { name: `Welcome to ${OWNER.organization}` })).toBeVisible();
  await invitee.screenshot({ path: 'test-results/screens/portal-accepted.png' });

  // No reload: the console hears the change.
  await expect(row).toContainText('Active');

  const console2 = await inviteeTab(browser);
  await console2.goto(roster.baseURL);
  await console2.getByRole('textbox', { name: 'Email' }).fill('grace@acme.test');
  await console2.getByRole('textbox', { name: 'Password' }).fill(NEW_PASSWORD);
  await console2.getByRole('button', { name: 'Sign in' }).click();
  await expect(console2.getByRole('heading', { name: 'Members' })).toBeVisible();
});

test('decline asks for confirmation and the admin sees Declined', async ({ page, roster, browser }) => {
  await registerOwner(page);
  await inviteByChips(page, ['linus@acme.test']);
  const link = await copyLink(page, roster.baseURL, 'linus@acme.test');
  const invitee = await inviteeTab(browser);
  await invitee.goto(link);
  await invitee.getByRole('link', { name: 'Decline' }).click();
  await expect(invitee.getByRole('heading', { name: 'Decline the invitation?' })).toBeVisible();
  await invitee.getByRole('button', { name: 'Yes, decline' }).click();
  await expect(invitee.getByRole('heading', { name: 'Invitation declined' })).toBeVisible();
  await expect(page.getByRole('table', { name: 'Members' }).getByRole('row', { name: 'linus@acme.test' })).toContainText('Declined');
});

test('a cancelled invitation, an old link after a resend, and an expired link grant nothing', async ({ page, roster, browser }) => {
  await registerOwner(page);
  await inviteByChips(page, ['cancel@acme.test', 'resend@acme.test', 'late@acme.test']);
  const cancelLink = await copyLink(page, roster.baseURL, 'cancel@acme.test');
  const oldLink = await copyLink(page, roster.baseURL, 'resend@acme.test');
  const lateLink = await copyLink(page, roster.baseURL, 'late@acme.test');

  await call(page.request, roster.baseURL, 'members.cancel', { ids: [await memberId(page.request, roster.baseURL, 'cancel@acme.test')] });
  await call(page.request, roster.baseURL, 'members.resend', { ids: [await memberId(page.request, roster.baseURL, 'resend@acme.test')] });

  const invitee = await inviteeTab(browser);
  await invitee.goto(cancelLink);
  await expect(invitee.getByRole('heading', { name: 'This invitation was cancelled' })).toBeVisible();
  await invitee.goto(oldLink);
  await expect(invitee.getByRole('heading', { name: 'This link was replaced' })).toBeVisible();
  await expect(invitee.getByText('A newer link was sent to you')).toBeVisible();

  await roster.advanceClock(7 * 24 * 60 * 60 * 1000 + 60_000);
  await invitee.goto(lateLink);
  await expect(invitee.getByRole('heading', { name: 'This link has expired' })).toBeVisible();
  await invitee.screenshot({ path: 'test-results/screens/portal-expired.png' });
});

test('password reset end to end: a new password works, the old one does not, and nobody is signed in automatically', async ({ page, roster, browser }) => {
  await registerOwner(page);
  await inviteByChips(page, ['reset@acme.test']);
  const id = await memberId(page.request, roster.baseURL, 'reset@acme.test');
  const link = ((await call(page.request, roster.baseURL, 'members.copyInviteLink', { id })) as { url: string }).url;
  const token = link.split('/').pop()!;
  await acceptOnPortal(roster.baseURL, token, NEW_PASSWORD);
  await call(page.request, roster.baseURL, 'members.sendPasswordReset', { ids: [id] });
  // Without mail here, the reset link is read from the member's history through the test-only hook.
  const resetRes = await page.request.get(`${roster.baseURL}/__test/last-link?email=reset@acme.test&kind=password_reset`);
  const resetUrl = ((await resetRes.json()) as { url: string }).url;

  const invitee = await inviteeTab(browser);
  await invitee.goto(resetUrl);
  await expect(invitee.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();
  const fresh = 'another very long passphrase';
  await invitee.getByLabel('Choose a password').fill(fresh);
  await invitee.getByLabel('Repeat the password').fill(fresh);
  await invitee.getByRole('button', { name: 'Save the new password' }).click();
  await expect(invitee.getByRole('heading', { name: 'Password changed' })).toBeVisible();
  const cookies = await invitee.context().cookies();
  expect(cookies.some((c) => c.name === 'roster_session')).toBe(false);
});

test('the phone-code step: the code goes to the SMS webhook, and the right code accepts', async ({ page, roster, browser }) => {
  const { createServer } = await import('node:http');
  const texts: { to: string; code: string }[] = [];
  const gateway = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      texts.push(JSON.parse(body) as { to: string; code: string });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
  const address = gateway.address() as { port: number };

  await registerOwner(page);
  const settings = (await (await page.request.get(`${roster.baseURL}/trpc/organizations.settings`)).json()) as { result: { data: Record<string, unknown> } };
  await call(page.request, roster.baseURL, 'organizations.updateSettings', { ...settings.result.data, requirePhone: true, smsWebhookUrl: `http://127.0.0.1:${address.port}/sms` });
  await inviteByChips(page, ['phone@acme.test']);
  const link = await copyLink(page, roster.baseURL, 'phone@acme.test');

  const invitee = await inviteeTab(browser);
  await invitee.goto(link);
  await invitee.getByLabel('Mobile number').fill('+44 7700 900123');
  await invitee.getByRole('button', { name: 'Accept and text me a code' }).click();
  await expect(invitee.getByRole('heading', { name: 'Confirm your mobile number' })).toBeVisible();
  expect(texts).toHaveLength(1);
  expect(texts[0]!.to).toBe('+447700900123');
  await invitee.getByLabel('Code from the text message').fill(texts[0]!.code);
  await invitee.getByLabel('Choose a password').fill(NEW_PASSWORD);
  await invitee.getByLabel('Repeat the password').fill(NEW_PASSWORD);
  await invitee.getByRole('button', { name: 'Accept invitation' }).click();
  await expect(invitee.getByRole('heading', { name: `Welcome to ${OWNER.organization}` })).toBeVisible();
  const row = page.getByRole('table', { name: 'Members' }).getByRole('row', { name: 'phone@acme.test' });
  await expect(row).toContainText('Active');
  // Stored as E.164 (the webhook got +447700900123), shown spaced for reading.
  await expect(row).toContainText('+44 7700 900123');
  gateway.close();
});
