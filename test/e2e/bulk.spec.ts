import type { Page } from '@playwright/test';
import { acceptInvitation, api, expect, registerOwner, test } from './fixtures';


async function seedInvites(page: Page, baseURL: string, emails: string[]): Promise<void> {
  const roles = await api<{ id: number; builtin: string | null }[]>(page.request, baseURL, 'roles.list', undefined, 'query');
  const member = roles.find((r) => r.builtin === 'member')!.id;
  await api(page.request, baseURL, 'members.invite', { entries: emails.map((email) => ({ email })), grants: { roleIds: [member] } });
}

const table = (page: Page) => page.getByRole('table', { name: 'Members' });
const bar = (page: Page) => page.getByRole('region', { name: 'Bulk actions' });
const emails = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(2, '0')}@acme.test`);

test('select all matching, then deactivate a mixed selection: the active ones change, the toast says who was skipped and why', async ({ page, roster }) => {
  // Three passwords hashed at OWASP cost (the Owner's and two acceptances) on a shared 2-core machine.
  test.setTimeout(180_000);
  await registerOwner(page);
  await seedInvites(page, roster.baseURL, emails(60, 'p'));
  await acceptInvitation(page, roster.baseURL, 'p00@acme.test');
  await acceptInvitation(page, roster.baseURL, 'p01@acme.test');
  await page.reload();
  await expect(page.getByTestId('members-range')).toContainText('of 61');

  await table(page).getByRole('checkbox', { name: 'Select all shown' }).check();
  await expect(page.getByText('All 50 shown are selected.')).toBeVisible();
  await page.getByRole('button', { name: 'Select all 61 matching' }).click();
  await expect(page.getByText('All 61 matching members are selected.')).toBeVisible();
  await expect(bar(page)).toContainText('61 selected');

  await bar(page).getByRole('button', { name: 'Deactivate' }).click();
  const confirm = page.getByRole('dialog', { name: 'Deactivate: 61 members?' });
  await confirm.getByRole('button', { name: 'Deactivate 61 members' }).click();
  await expect(page.getByText('Deactivated 2; skipped 59: 58 pending (cancel them instead), 1 is you.')).toBeVisible();
  await expect(page.getByRole('tab', { name: /Deactivated/ })).toContainText('2');
  await expect(bar(page)).toHaveCount(0);
});

test('bulk cancel of the pending invitations; a button that cannot act says why', async ({ page, roster }) => {
  await registerOwner(page);
  await seedInvites(page, roster.baseURL, emails(6, 'c'));
  await page.getByRole('link', { name: 'Members' }).click();
  await page.getByRole('tab', { name: /Pending/ }).click();
  await expect(table(page).getByRole('row', { name: 'c05@acme.test' })).toBeVisible();
  await table(page).getByRole('checkbox', { name: 'Select all shown' }).check();
  await expect(bar(page)).toContainText('6 selected');

  // Pending members cannot be deactivated: the button stays focusable and says so.
  const deactivate = bar(page).getByRole('button', { name: 'Deactivate' });
  await expect(deactivate).toHaveAttribute('aria-disabled', 'true');
  await expect(deactivate).toHaveAccessibleDescription('Deactivate applies to none of the selected members (6 pending).');

  await bar(page).getByRole('button', { name: 'Cancel invitations' }).click();
  await page.getByRole('dialog', { name: 'Cancel invitations: 6 members?' }).getByRole('button', { name: 'Cancel invitations 6 members' }).click();
  await expect(page.getByText('Cancelled 6.')).toBeVisible();
  await expect(page.getByRole('tab', { name: /Cancelled/ })).toContainText('6');
  await expect(table(page).getByRole('row', { name: 'c05@acme.test' })).toHaveCount(0);
});

test("role change from a row's ⋯ menu", async ({ page, roster }) => {
  await registerOwner(page);
  await seedInvites(page, roster.baseURL, ['rita@acme.test']);
  await page.reload();
  const row = table(page).getByRole('row', { name: 'rita@acme.test' });
  await expect(row).toContainText('Member');
  await row.getByRole('button', { name: 'Actions for rita@acme.test' }).click();
  await page.getByRole('menuitem', { name: 'Change role…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Change the role of rita@acme.test' });
  await dialog.getByRole('combobox', { name: 'New role' }).click();
  await page.getByRole('option', { name: 'Admin' }).click();
  await dialog.getByRole('button', { name: 'Change role' }).click();
  await expect(page.getByText('Role changed for 1.')).toBeVisible();
  await expect(row).toContainText('Admin');
});
