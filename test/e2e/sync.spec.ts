import type { Page } from '@playwright/test';
import { startScimServer } from '../support/scim-server';
import { acceptOnPortal, api, expect, inviteByChips, registerOwner, test, OWNER } from './fixtures';

function row(page: Page, email: string) {
  return page.getByRole('table', { name: 'Members' }).getByRole('row', { name: email });
}

/** Accepts a listed member's invitation on the portal's page, with the link the Owner copies. */
async function acceptOverHttp(page: Page, baseURL: string, email: string): Promise<void> {
  const id = Number(await row(page, email).getAttribute('data-member-id'));
  const res = await page.request.post(`${baseURL}/trpc/members.copyInviteLink`, { data: { id }, headers: { origin: baseURL } });
  expect(res.ok()).toBe(true);
  const { result } = (await res.json()) as { result: { data: { url: string } } };
  const token = result.data.url.split('/').pop()!;
  await acceptOnPortal(baseURL, token);
}

async function openSync(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Sync', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Sync', exact: true })).toBeVisible();
}

test('an admin sets up Sync, sees the directory arrive, deactivates someone and sees the remote user go inactive', async ({ page, roster }) => {
  // Two scrypt hashes, a build of the directory on the server, five screens and several background
  // pushes on a shared machine: longer than the default.
  test.setTimeout(300_000);
  const scim = await startScimServer();
  try {
    await registerOwner(page);
    await inviteByChips(page, ['gus@acme.test']);
    const gusId = Number(await row(page, 'gus@acme.test').getAttribute('data-member-id'));
    await acceptOverHttp(page, roster.baseURL, 'gus@acme.test');

    await openSync(page);
    await page.screenshot({ path: 'test-results/screens/sync-empty-1280.png', fullPage: true });
    await expect(page.getByRole('button', { name: 'Test connection' })).toBeDisabled();
    await page.getByLabel('SCIM base URL').fill(scim.baseUrl);
    await page.getByLabel('Bearer token').fill(scim.token);
    // A new server starts switched off: the admin turns it on to push.
    await page.getByRole('checkbox', { name: 'Sync is on' }).check();
    // A slow server for the first push: the page shows it running.
    scim.slowMs = 1500;
    await page.getByRole('button', { name: 'Save sync settings' }).click();
    await expect(page.getByText('Sync settings saved')).toBeVisible();
    await expect(page.getByLabel('Push in progress')).toBeVisible({ timeout: 20_000 });
    // The viewport only (a full-page capture takes long enough for the push to end).
    await page.screenshot({ path: 'test-results/screens/sync-running-1280.png' });
    scim.slowMs = 0;
    await page.getByRole('button', { name: 'Test connection' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'Connected' })).toContainText('PATCH yes');

    // Saving wakes the background sender: the directory arrives without a click.
    await expect.poll(() => scim.userByName('gus@acme.test')?.active, { timeout: 30_000 }).toBe(true);
    await page.getByRole('button', { name: 'Push now' }).click();
    await expect(page.getByRole('status')).toContainText(/Push: (done|nothing|busy)/);
    expect(scim.userByName(OWNER.email)).toMatchObject({ active: true });
    expect(scim.groupByName('Roster Owner')).toBeDefined();
    await expect(page.getByRole('table', { name: 'Synced objects' }).getByRole('row', { name: /gus@acme\.test/ })).toContainText('Synced');
    await page.screenshot({ path: 'test-results/screens/sync-synced-1280.png', fullPage: true });

    // The server fails every update for a while: the object shows the server's status and detail.
    for (let i = 0; i < 50; i++) scim.faults.push({ status: 500, match: (m) => m === 'PATCH' });
    const edited = await page.request.post(`${roster.baseURL}/trpc/members.edit`, { data: { id: gusId, name: 'Gus Grey' }, headers: { origin: roster.baseURL } });
    expect(edited.ok()).toBe(true);
    const gusRow = page.getByRole('table', { name: 'Synced objects' }).getByRole('row', { name: /gus@acme\.test/ });
    await expect(gusRow).toContainText('Failed', { timeout: 30_000 });
    await expect(gusRow).toContainText('500');
    await page.screenshot({ path: 'test-results/screens/sync-failures-1280.png', fullPage: true });
    scim.faults.length = 0;
    await gusRow.getByRole('button', { name: 'Retry gus@acme.test' }).click();
    await expect.poll(() => scim.userByName('gus@acme.test')?.displayName, { timeout: 30_000 }).toBe('Gus Grey');

    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Members' }).click();
    await page.getByRole('tab', { name: /Active/ }).click();
    await row(page, 'gus@acme.test').getByText('gus@acme.test').click();
    const panel = page.getByRole('dialog', { name: /^(Gus Grey|gus@acme\.test)$/ });
    await expect(panel.getByRole('region', { name: 'Sync' })).toContainText(/Synced (just now|\d+ min ago)/);
    await panel.getByRole('button', { name: 'Deactivate' }).click();
    await page.getByRole('dialog', { name: 'Deactivate?' }).getByRole('button', { name: 'Deactivate' }).click();
    await expect(panel).toContainText('Deactivated');
    // The command wakes the sender: the remote user goes inactive without Push now, and the panel says it is synced.
    await expect.poll(() => scim.userByName('gus@acme.test')?.active, { timeout: 30_000 }).toBe(false);
    await expect(panel.getByRole('region', { name: 'Sync' })).toContainText('Synced', { timeout: 30_000 });
    await page.keyboard.press('Escape');

    await openSync(page);

    // Adopt: the admin links Gus to a remote id typed in (the next push writes to it).
    await page.getByRole('table', { name: 'Synced objects' }).getByRole('button', { name: 'Adopt a remote object for gus@acme.test' }).click();
    await expect(page.getByRole('button', { name: 'Adopt', exact: true })).toBeDisabled();
    await page.getByLabel('Remote id').fill(scim.userByName('gus@acme.test')!.id);
    await page.getByRole('button', { name: 'Adopt', exact: true }).click();
    await expect(page.getByRole('table', { name: 'Synced objects' }).getByRole('row', { name: /gus@acme\.test/ })).toContainText('Synced', { timeout: 30_000 });

    await page.getByRole('button', { name: 'Reconcile (read the server)' }).click();
    await expect(page.getByText('Only on the server: none')).toBeVisible();
    await expect(page.getByText('Drifted: none')).toBeVisible();

    // The token is rotated on the server: the sync pauses with one reason.
    scim.token = 'rotated';
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Members' }).click();
    await openSync(page);
    await page.getByRole('button', { name: 'Push now' }).click();
    await expect(page.getByRole('status')).toContainText('Push: paused');
    await expect(page.getByRole('alert').filter({ hasText: 'Sync is paused' })).toContainText('token was rejected');
    await page.screenshot({ path: 'test-results/screens/sync-paused-1280.png', fullPage: true });
  } finally {
    await scim.close();
  }
});

test("a role's group shows Synced after a push; a failed sub-account group shows the server's detail and Retry sends it", async ({ page, roster }) => {
  test.setTimeout(120_000);
  const scim = await startScimServer();
  try {
    await registerOwner(page);
    await api(page.request, roster.baseURL, 'accounts.create', { name: 'Europe' });
    // Every lookup of the Europe group fails (also the automatic retries) until the test lifts it.
    for (let i = 0; i < 200; i++) scim.faults.push({ status: 500, match: (m, p) => m === 'GET' && decodeURIComponent(p).includes('displayName eq "Acme Robotics / Europe"') });
    await api(page.request, roster.baseURL, 'sync.saveSettings', { baseUrl: scim.baseUrl, token: scim.token });
    await expect.poll(() => scim.groupByName('Roster Owner'), { timeout: 30_000 }).toBeDefined();

    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Roles' }).click();
    const ownerCard = page.getByRole('region', { name: 'Owner', exact: true });
    await expect(ownerCard.getByRole('region', { name: 'Sync of the group “Roster Owner”' })).toContainText(/Synced (just now|\d+ min ago)/, { timeout: 30_000 });
    await page.screenshot({ path: 'test-results/screens/sync-role-card-1280.png', fullPage: true });

    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Accounts' }).click();
    const details = page.getByRole('region', { name: 'Sub-account sync' });
    await details.getByRole('combobox', { name: 'Sync state of' }).click();
    await page.getByRole('option', { name: 'Acme Robotics / Europe' }).click();
    const state = details.getByRole('region', { name: 'Sync' });
    await expect(state).toContainText('Failed', { timeout: 30_000 });
    await expect(state).toContainText('The server answered 500: Injected fault 500');
    await page.screenshot({ path: 'test-results/screens/sync-account-failed-1280.png', fullPage: true });
    scim.faults.length = 0;
    await state.getByRole('button', { name: 'Retry sync of Acme Robotics / Europe' }).click();
    await expect(state).toContainText(/Synced (just now|\d+ min ago)/, { timeout: 30_000 });
    expect(scim.groupByName('Acme Robotics / Europe')).toBeDefined();
    await page.screenshot({ path: 'test-results/screens/sync-account-synced-1280.png', fullPage: true });
  } finally {
    await scim.close();
  }
});
