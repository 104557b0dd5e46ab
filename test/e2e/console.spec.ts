import type { Page } from '@playwright/test';
import { acceptOnPortal, expect, inviteByChips, OWNER, registerOwner, test } from './fixtures';

const DAY = 24 * 60 * 60 * 1000;

function table(page: Page) {
  return page.getByRole('table', { name: 'Members' });
}

function row(page: Page, email: string) {
  return table(page).getByRole('row', { name: email });
}

async function rowAction(page: Page, email: string, action: string): Promise<void> {
  await page.getByRole('button', { name: `Actions for ${email}` }).click();
  await page.getByRole('menuitem', { name: action }).click();
}

async function toast(page: Page, text: string | RegExp): Promise<void> {
  await expect(page.getByRole('alert').filter({ hasText: text }).first()).toBeVisible();
}

/** Accepts a member's invitation over HTTP, as the invitee's browser would. */
async function acceptOverHttp(page: Page, baseURL: string, email: string): Promise<void> {
  const id = Number(await row(page, email).getAttribute('data-member-id'));
  const res = await page.request.post(`${baseURL}/trpc/members.copyInviteLink`, { data: { id } });
  expect(res.ok()).toBe(true);
  const { result } = (await res.json()) as { result: { data: { url: string } } };
  const token = result.data.url.split('/').pop()!;
  await acceptOnPortal(baseURL, token, OWNER.password);
}

async function importCsv(page: Page, name: string, text: string): Promise<void> {
  const dialog = page.getByRole('dialog', { name: 'Invite people' });
  await dialog.getByLabel('CSV file').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(text) });
  await expect(dialog.getByRole('region', { name: 'CSV import' })).toContainText(name);
}

async function tab(page: Page, name: RegExp) {
  await page.getByRole('tab', { name }).click();
}

test('invite several at once by pasting a list; they show as Pending with live counts', async ({ page }) => {
  await registerOwner(page);
  await page.getByRole('button', { name: 'Invite people' }).click();
  const dialog = page.getByRole('dialog', { name: 'Invite people' });
  const input = dialog.getByRole('combobox', { name: 'Email addresses' });
  await input.focus();
  await page.evaluate(() => {
    const dt = new DataTransfer();
    dt.setData('text/plain', 'ann@acme.test, bob@acme.test\ncat@acme.test\nann@acme.test\nnot-an-address\nada@acme.test\nzed@mailinator.com');
    document.activeElement!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
  });
  const preview = dialog.getByRole('region', { name: 'Preview' });
  await expect(preview).toContainText('3 to invite, 4 skipped');
  await expect(preview.getByRole('row', { name: 'not-an-address' })).toContainText('Not a valid email address');
  await expect(preview.getByRole('row', { name: 'ada@acme.test' })).toContainText('Already a member');
  await expect(preview.getByRole('row', { name: 'zed@mailinator.com' })).toContainText('Disposable addresses are not allowed');
  await expect(preview).toContainText('Appears more than once in the list');
  await page.screenshot({ path: 'test-results/screens/invite-preview-1280.png' });
  await dialog.getByRole('button', { name: 'Send 3 invitations' }).click();
  await expect(dialog.getByText(/^Invitations (sent|created)$/)).toBeVisible();
  await toast(page, '3 invited');
  await dialog.getByRole('button', { name: 'Done' }).click();
  for (const email of ['ann@acme.test', 'bob@acme.test', 'cat@acme.test']) await expect(row(page, email)).toContainText('Pending');
  await expect(page.getByRole('tab', { name: /Pending/ })).toContainText('3');
});

test('an invitation expires when the clock moves past its validity, and is resent', async ({ page, roster }) => {
  await registerOwner(page);
  await inviteByChips(page, ['eve@acme.test']);
  await expect(row(page, 'eve@acme.test')).toContainText('Pending');
  await roster.advanceClock(8 * DAY);
  // Eight days later the admin's session has ended too: sign in again.
  await page.reload();
  await page.getByRole('textbox', { name: 'Email' }).fill(OWNER.email);
  await page.getByRole('textbox', { name: 'Password' }).fill(OWNER.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await tab(page, /Expired/);
  await expect(row(page, 'eve@acme.test')).toContainText('Expired');
  await expect(page.getByRole('tab', { name: /Expired/ })).toContainText('1');
  await rowAction(page, 'eve@acme.test', 'Resend invitation');
  await toast(page, 'Invitation resent: 1 member');
  await expect(row(page, 'eve@acme.test')).toHaveCount(0);
  await tab(page, /Pending/);
  await expect(row(page, 'eve@acme.test')).toContainText('Pending');
});

test('cancel an invitation, then delete it', async ({ page }) => {
  await registerOwner(page);
  await inviteByChips(page, ['fay@acme.test']);
  await rowAction(page, 'fay@acme.test', 'Cancel invitation');
  const confirm = page.getByRole('dialog', { name: 'Cancel invitation?' });
  await expect(confirm).toContainText('fay@acme.test');
  await confirm.getByRole('button', { name: 'Cancel invitation' }).click();
  await toast(page, 'Invitation cancelled: 1 member');
  await expect(row(page, 'fay@acme.test')).toContainText('Cancelled');

  await rowAction(page, 'fay@acme.test', 'Delete');
  const del = page.getByRole('dialog', { name: 'Delete?' });
  await del.getByRole('button', { name: 'Delete' }).click();
  await toast(page, 'Deleted: 1 member');
  await expect(row(page, 'fay@acme.test')).toHaveCount(0);
});

test('deactivate an accepted member from the side panel, then delete', async ({ page, roster }) => {
  await registerOwner(page);
  await inviteByChips(page, ['gus@acme.test']);
  await acceptOverHttp(page, roster.baseURL, 'gus@acme.test');
  await tab(page, /Active/);
  await expect(row(page, 'gus@acme.test')).toContainText('Active');

  await row(page, 'gus@acme.test').getByText('gus@acme.test').click();
  const panel = page.getByRole('dialog', { name: 'gus@acme.test' });
  await expect(panel).toContainText('Accepted the invitation');
  // The drawer slides in: wait until it rests against the right edge before the screenshot.
  await expect.poll(async () => Math.round(((await panel.boundingBox())?.x ?? 0) + ((await panel.boundingBox())?.width ?? 0))).toBe(1280);
  await page.screenshot({ path: 'test-results/screens/member-panel-1280.png' });
  await panel.getByRole('button', { name: 'Deactivate' }).click();
  await page.getByRole('dialog', { name: 'Deactivate?' }).getByRole('button', { name: 'Deactivate' }).click();
  await toast(page, 'Deactivated: 1 member');
  await expect(panel).toContainText('Deactivated');
  await page.keyboard.press('Escape');
  await tab(page, /Deactivated/);
  await expect(row(page, 'gus@acme.test')).toContainText('Deactivated');

  await rowAction(page, 'gus@acme.test', 'Delete');
  await page.getByRole('dialog', { name: 'Delete?' }).getByRole('button', { name: 'Delete' }).click();
  await toast(page, 'Deleted: 1 member');
  await expect(row(page, 'gus@acme.test')).toHaveCount(0);
  await expect(page.getByText('No deactivated members')).toBeVisible();
});

test('bulk role change on selected rows, with a toast and the new role shown at once', async ({ page }) => {
  await registerOwner(page);
  await inviteByChips(page, ['hal@acme.test', 'ida@acme.test', 'jo@acme.test']);
  await row(page, 'hal@acme.test').getByRole('checkbox', { name: 'Select hal@acme.test' }).check();
  await row(page, 'ida@acme.test').getByRole('checkbox', { name: 'Select ida@acme.test' }).check();
  const bar = page.getByRole('region', { name: 'Bulk actions' });
  await expect(bar).toContainText('2 selected');
  await bar.getByRole('combobox', { name: 'Change role to' }).click();
  await page.getByRole('option', { name: 'Admin' }).click();
  await page.screenshot({ path: 'test-results/screens/bulk-bar-1280.png' });
  await bar.getByRole('button', { name: 'Apply role' }).click();
  await toast(page, 'Role changed for 2.');
  await expect(row(page, 'hal@acme.test')).toContainText('Admin');
  await expect(row(page, 'ida@acme.test')).toContainText('Admin');
  await expect(row(page, 'jo@acme.test')).not.toContainText('Admin');
  await expect(bar).toHaveCount(0);
});

test('CSV import with column mapping: the bad row is skipped with its reason; then search by phone', async ({ page }) => {
  await registerOwner(page);
  await page.getByRole('button', { name: 'Invite people' }).click();
  const dialog = page.getByRole('dialog', { name: 'Invite people' });
  await importCsv(
    page,
    'people.csv',
    ['Full name,E-mail,Mobile,Role', 'Kim Lee,kim@acme.test,+1 415 555 0142,Admin', 'Lou Park,lou@acme.test,,', 'Broken Row,not-an-email,,', 'Max Roe,max@acme.test,12,'].join('\n'),
  );
  await expect(dialog.getByRole('combobox', { name: 'Email column' })).toHaveValue('E-mail');
  await expect(dialog.getByRole('combobox', { name: 'Phone column' })).toHaveValue('Mobile');
  const preview = dialog.getByRole('region', { name: 'Preview' });
  await expect(preview).toContainText('2 to invite, 2 skipped');
  await expect(preview.getByRole('row', { name: 'not-an-email' })).toContainText('line 4: not a valid email address');
  await expect(preview.getByRole('row', { name: 'max@acme.test' })).toContainText('line 5: the phone number is not valid');
  // The file names a role: the admin chooses whether it adds to or replaces the dialog's roles.
  await dialog.getByRole('radio', { name: 'Adds to the roles above' }).check();
  await page.screenshot({ path: 'test-results/screens/invite-csv-1280.png' });
  await dialog.getByRole('button', { name: 'Send 2 invitations' }).click();
  await expect(dialog.getByText(/^Invitations (sent|created)$/)).toBeVisible();
  await expect(dialog).toContainText('not-an-email — line 4: not a valid email address');
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(row(page, 'kim@acme.test')).toContainText('Admin');
  // Stored as E.164, shown spaced for reading.
  await expect(row(page, 'kim@acme.test')).toContainText('+1 415 555 0142');

  await page.getByRole('textbox', { name: 'Search' }).fill('555 0142');
  await expect(row(page, 'kim@acme.test')).toBeVisible();
  await expect(row(page, 'lou@acme.test')).toHaveCount(0);
  await page.getByRole('textbox', { name: 'Search' }).fill('nobody-like-this');
  await expect(page.getByText('No one matches this search')).toBeVisible();
  await page.screenshot({ path: 'test-results/screens/members-empty-search-1280.png' });
});

test('audit lists every change, filters and exports CSV; settings save', async ({ page }) => {
  await registerOwner(page);
  await inviteByChips(page, ['ned@acme.test', 'oli@acme.test']);
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Audit' }).click();
  const log = page.getByRole('table', { name: 'Audit log' });
  await expect(log).toContainText('ned@acme.test');
  await page.getByRole('textbox', { name: 'Search' }).fill('oli@');
  await expect(log.getByRole('row')).toHaveCount(2);
  await page.getByRole('textbox', { name: 'Search' }).fill('');
  await page.screenshot({ path: 'test-results/screens/audit-1280.png' });
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export CSV' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^roster-audit-.*\.csv$/);
  const text = await (await file.createReadStream()).toArray();
  const csv = Buffer.concat(text).toString();
  expect(csv.split('\n')[0]).toContain('id,at,actor,action');
  expect(csv).toContain('oli@acme.test');

  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('textbox', { name: 'Invitations are valid for (days)' }).fill('14');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await toast(page, 'The organization settings were updated.');
  await page.screenshot({ path: 'test-results/screens/settings-1280.png', fullPage: true });
});

test('screens at 1920×1080, light and dark', async ({ page }) => {
  await page.setViewportSize({ width: 1920, height: 1080 });
  await registerOwner(page);
  await inviteByChips(page, ['pam@acme.test', 'quin@acme.test', 'rae@acme.test']);
  await expect(row(page, 'rae@acme.test')).toBeVisible();
  await page.screenshot({ path: 'test-results/screens/members-1920.png' });
  await tab(page, /Declined/);
  await expect(page.getByText('No declined members')).toBeVisible();
  await page.screenshot({ path: 'test-results/screens/members-empty-tab-1920.png' });
  await tab(page, /All/);
  await page.getByRole('button', { name: 'Toggle color theme' }).click();
  await expect(row(page, 'rae@acme.test')).toBeVisible();
  await page.screenshot({ path: 'test-results/screens/members-dark-1920.png' });
  await page.getByRole('button', { name: 'Invite people' }).click();
  await expect(page.getByRole('dialog', { name: 'Invite people' })).toContainText('a preview of what will happen');
  await page.screenshot({ path: 'test-results/screens/invite-empty-dark-1920.png' });
});
