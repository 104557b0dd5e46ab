import type { Page } from '@playwright/test';
import { api, expect, registerOwner, test } from './fixtures';

/** The Members screen's dialogs by keyboard: Escape backs out one layer, and the focus never drops to the page's body. */

async function seedInvites(page: Page, baseURL: string, emails: string[]): Promise<void> {
  const roles = await api<{ id: number; builtin: string | null }[]>(page.request, baseURL, 'roles.list', undefined, 'query');
  const member = roles.find((r) => r.builtin === 'member')!.id;
  await api(page.request, baseURL, 'members.invite', { entries: emails.map((email) => ({ email })), grants: { roleIds: [member] } });
}

const table = (page: Page) => page.getByRole('table', { name: 'Members' });
const row = (page: Page, email: string) => table(page).getByRole('row', { name: email });
const actionsFor = (page: Page, email: string) => row(page, email).getByRole('button', { name: `Actions for ${email}` });
/** The table's one Tab stop: the row the arrows move from. */
const tableStop = (page: Page) => table(page).locator('tbody [role="row"][tabindex="0"]');

async function openPanel(page: Page, email: string) {
  await row(page, email).getByRole('button', { name: email, exact: true }).click();
  const panel = page.getByRole('dialog', { name: email });
  await expect(panel.getByRole('textbox', { name: 'Name' })).toBeVisible();
  return panel;
}

test('Escape in a confirm opened from the member panel closes the confirm only; after the action the focus stays in the panel', async ({ page, roster }) => {
  await registerOwner(page);
  await seedInvites(page, roster.baseURL, ['pat@acme.test']);
  await page.reload();
  const panel = await openPanel(page, 'pat@acme.test');
  await expect(page).toHaveURL(/member=\d+/);

  const cancel = panel.getByRole('button', { name: 'Cancel invitation' });
  await cancel.click();
  const confirm = page.getByRole('dialog', { name: 'Cancel invitation?' });
  await expect(confirm).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(confirm).toBeHidden();
  await expect(panel).toBeVisible();
  await expect(page).toHaveURL(/member=\d+/);
  await expect(cancel).toBeFocused();

  // Confirmed: the button is gone with the pending status; the focus goes to the panel's first action, not the body.
  await cancel.click();
  await confirm.getByRole('button', { name: 'Cancel invitation' }).click();
  await expect(confirm).toBeHidden();
  await expect(panel.getByText('Cancelled', { exact: true })).toBeVisible();
  await expect(cancel).toHaveCount(0);
  await expect(panel.getByRole('button', { name: 'Re-invite' })).toBeFocused();
  await expect(page).toHaveURL(/member=\d+/);
});

test("a row's ⋯ actions give the focus back to its ⋯ button, or to the table when the row has left the list", async ({ page, roster }) => {
  await registerOwner(page);
  await seedInvites(page, roster.baseURL, ['rob@acme.test', 'sam@acme.test', 'tom@acme.test']);
  await page.reload();
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);

  // No dialog: the focus stays on the ⋯ button.
  await actionsFor(page, 'rob@acme.test').click();
  await page.getByRole('menuitem', { name: 'Copy invite link' }).click();
  await expect(page.getByText('Invite link copied')).toBeVisible();
  await expect(actionsFor(page, 'rob@acme.test')).toBeFocused();

  // A dialog, then the change: back on the same row's ⋯ button.
  await actionsFor(page, 'rob@acme.test').click();
  await page.getByRole('menuitem', { name: 'Change role…' }).click();
  const roleDialog = page.getByRole('dialog', { name: 'Change the role of rob@acme.test' });
  await roleDialog.getByRole('combobox', { name: 'New role' }).click();
  await page.getByRole('option', { name: 'Admin' }).click();
  await roleDialog.getByRole('button', { name: 'Change role' }).click();
  await expect(row(page, 'rob@acme.test')).toContainText('Admin');
  await expect(actionsFor(page, 'rob@acme.test')).toBeFocused();

  await actionsFor(page, 'sam@acme.test').click();
  await page.getByRole('menuitem', { name: 'Cancel invitation' }).click();
  await page.getByRole('dialog', { name: 'Cancel invitation?' }).getByRole('button', { name: 'Cancel invitation' }).click();
  await expect(row(page, 'sam@acme.test')).toContainText('Cancelled');
  await expect(actionsFor(page, 'sam@acme.test')).toBeFocused();

  // On the Pending tab the cancelled row leaves the list: the focus goes to the table's row.
  await page.getByRole('tab', { name: /Pending/ }).click();
  await expect(row(page, 'sam@acme.test')).toHaveCount(0);
  await actionsFor(page, 'tom@acme.test').click();
  await page.getByRole('menuitem', { name: 'Cancel invitation' }).click();
  await page.getByRole('dialog', { name: 'Cancel invitation?' }).getByRole('button', { name: 'Cancel invitation' }).click();
  await expect(row(page, 'tom@acme.test')).toHaveCount(0);
  await expect(tableStop(page)).toBeFocused();
});

test('a bulk action that clears the selection gives the focus to the table, or to the search box once the table is empty', async ({ page, roster }) => {
  await registerOwner(page);
  await seedInvites(page, roster.baseURL, ['una@acme.test', 'val@acme.test']);
  await page.reload();
  const bar = page.getByRole('region', { name: 'Bulk actions' });

  await row(page, 'una@acme.test').getByRole('checkbox', { name: 'Select una@acme.test' }).check();
  await bar.getByRole('button', { name: 'Cancel invitations' }).click();
  await page.getByRole('dialog', { name: 'Cancel invitations: 1 member?' }).getByRole('button', { name: 'Cancel invitations 1 member' }).click();
  await expect(page.getByText('Cancelled 1.')).toBeVisible();
  await expect(bar).toHaveCount(0);
  await expect(tableStop(page)).toBeFocused();

  await page.getByRole('tab', { name: /Pending/ }).click();
  await expect(row(page, 'una@acme.test')).toHaveCount(0);
  await table(page).getByRole('checkbox', { name: 'Select all shown' }).check();
  await bar.getByRole('button', { name: 'Cancel invitations' }).click();
  await page.getByRole('dialog', { name: 'Cancel invitations: 1 member?' }).getByRole('button', { name: 'Cancel invitations 1 member' }).click();
  await expect(page.getByText('No pending members')).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Search' })).toBeFocused();
});

test('unsaved details in the member panel: closing asks first; Keep editing keeps them, Discard closes', async ({ page, roster }) => {
  await registerOwner(page);
  await seedInvites(page, roster.baseURL, ['wes@acme.test']);
  await page.reload();
  const panel = await openPanel(page, 'wes@acme.test');
  const name = panel.getByRole('textbox', { name: 'Name' });
  await name.fill('Wes Draft');

  await page.keyboard.press('Escape');
  const discard = page.getByRole('dialog', { name: 'Discard unsaved changes?' });
  await expect(discard).toBeVisible();
  await expect(panel).toBeVisible();
  await page.screenshot({ path: 'test-results/screens/members-discard-changes.png' });
  // Escape in the question backs out of it only.
  await page.keyboard.press('Escape');
  await expect(discard).toBeHidden();
  await expect(panel).toBeVisible();
  await expect(name).toHaveValue('Wes Draft');
  await expect(name).toBeFocused();

  await panel.getByRole('button', { name: 'Close' }).click();
  await discard.getByRole('button', { name: 'Keep editing' }).click();
  await expect(name).toHaveValue('Wes Draft');
  await expect(page).toHaveURL(/member=\d+/);

  await page.keyboard.press('Escape');
  await discard.getByRole('button', { name: 'Discard' }).click();
  await expect(panel).toBeHidden();
  await expect(page).not.toHaveURL(/member=/);
  await expect(row(page, 'wes@acme.test').getByRole('button', { name: 'wes@acme.test', exact: true })).toBeFocused();

  // Nothing was saved, and a panel without edits closes at once.
  const again = await openPanel(page, 'wes@acme.test');
  await expect(again.getByRole('textbox', { name: 'Name' })).toHaveValue('');
  await page.keyboard.press('Escape');
  await expect(again).toBeHidden();
  await expect(discard).toHaveCount(0);
});

test('role pickers are named per role; a refused access save is put back to the saved roles once the member changes', async ({ page, roster }) => {
  await registerOwner(page);
  await seedInvites(page, roster.baseURL, ['xia@acme.test']);
  await page.reload();
  const panel = await openPanel(page, 'xia@acme.test');
  const first = panel.getByRole('group', { name: 'Role 1' });
  await expect(first.getByRole('combobox', { name: 'Role', exact: true })).toHaveValue('Member');
  await expect(first.getByRole('combobox', { name: 'Applies at account', exact: true })).toHaveValue('Acme Robotics');

  await first.getByRole('combobox', { name: 'Role', exact: true }).click();
  await page.getByRole('option', { name: 'Admin', exact: true }).click();
  // The server refuses this save (as another admin's change or a lost connection would).
  await page.route('**/trpc/members.setAccess**', (route) => route.fulfill({ status: 403, contentType: 'application/json', body: JSON.stringify({ error: { message: 'Refused for the test', code: -32003, data: { code: 'FORBIDDEN', httpStatus: 403 } } }) }));
  await panel.getByRole('button', { name: 'Save access' }).click();
  const refusal = panel.getByRole('alert').filter({ hasText: 'Refused for the test' });
  await expect(refusal).toBeVisible();
  // Closing now would lose the edited role: it asks.
  await page.keyboard.press('Escape');
  await page.getByRole('dialog', { name: 'Discard unsaved changes?' }).getByRole('button', { name: 'Keep editing' }).click();

  // Another change to the member (a new version): the editor shows what is saved, without the stale refusal.
  await panel.getByRole('button', { name: 'Resend invitation' }).click();
  await expect(page.getByText('Invitation resent: 1 member.')).toBeVisible();
  await expect(refusal).toHaveCount(0);
  await expect(first.getByRole('combobox', { name: 'Role', exact: true })).toHaveValue('Member');
  await page.keyboard.press('Escape');
  await expect(panel).toBeHidden();
});
