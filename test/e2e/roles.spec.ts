import type { Page } from '@playwright/test';
import { acceptInvitation, api, expect, inviteByChips, registerOwner, signInElsewhere, test } from './fixtures';


const nav = (page: Page, name: string) => page.getByRole('navigation').getByText(name, { exact: true });

test('a custom role edited in the matrix changes what an admin with that role can see and do', async ({ page, roster, browser }) => {
  await registerOwner(page);
  await nav(page, 'Roles & permissions').click();
  await page.getByRole('button', { name: 'New role' }).click();
  await page.getByRole('dialog').getByRole('textbox', { name: 'Role name' }).fill('Support');
  await page.getByRole('button', { name: 'Create role' }).click();
  await page.getByRole('checkbox', { name: 'Support: View members' }).check();
  await page.getByRole('button', { name: 'Save permissions' }).click();
  await expect(page.getByText('Permissions saved')).toBeVisible();
  await page.screenshot({ path: 'test-results/screens/roles-matrix-1280.png', fullPage: true });

  const roles = await api<{ id: number; name: string }[]>(page.request, roster.baseURL, 'roles.list', undefined, 'query');
  const support = roles.find((r) => r.name === 'Support')!.id;
  await api(page.request, roster.baseURL, 'members.invite', { entries: [{ email: 'sam@acme.test' }], grants: { roleIds: [support] } });
  await acceptInvitation(page, roster.baseURL, 'sam@acme.test');

  const sam = await signInElsewhere(browser, roster.baseURL, 'sam@acme.test');
  await expect(sam.getByRole('heading', { name: 'Members' })).toBeVisible();
  await expect(nav(sam, 'Audit')).toHaveCount(0);
  await expect(sam.getByRole('button', { name: 'Invite people' })).toHaveCount(0);

  // The Owner gives Support the audit and invite permissions (and the Dashboard module): Sam sees and can do more.
  await page.getByRole('checkbox', { name: 'Support: Audit' }).check();
  await page.getByRole('checkbox', { name: 'Support: Invite' }).check();
  // One grants only what one holds: inviting as Member needs the Member role's Dashboard module.
  await page.getByRole('checkbox', { name: 'Support: Dashboard' }).check();
  await page.getByRole('button', { name: 'Save permissions' }).click();
  await expect(page.getByText('1 role changed')).toBeVisible();

  await sam.reload();
  await expect(nav(sam, 'Audit')).toBeVisible();
  await inviteByChips(sam, ['newcomer@acme.test']);
  await expect(sam.getByRole('table', { name: 'Members' }).getByRole('row', { name: 'newcomer@acme.test' })).toContainText('Pending');

  // And takes them away again: the main process refuses at once, the console follows.
  await expect(page.getByText('1 role changed')).toHaveCount(0);
  await page.getByRole('checkbox', { name: 'Support: Audit' }).uncheck();
  await page.getByRole('button', { name: 'Save permissions' }).click();
  await expect(page.getByText('1 role changed')).toBeVisible();
  await sam.reload();
  await expect(sam.getByRole('heading', { name: 'Members' })).toBeVisible();
  await expect(nav(sam, 'Audit')).toHaveCount(0);
  await sam.context().close();
});

test('a Team Admin of a sub-account sees and manages only that sub-account’s members', async ({ page, roster, browser }) => {
  await registerOwner(page);
  await inviteByChips(page, ['outsider@acme.test']);

  // Create the sub-account and invite the person in charge of it in the same step.
  await nav(page, 'Accounts').click();
  await page.getByRole('textbox', { name: 'New sub-account' }).fill('Sales');
  await page.getByRole('textbox', { name: 'Invite the person in charge (optional)' }).fill('lead@acme.test');
  await page.getByRole('textbox', { name: 'Their role there' }).or(page.getByRole('combobox', { name: 'Their role there' })).first().click();
  await page.getByRole('option', { name: 'Admin', exact: true }).click();
  await page.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByText('lead@acme.test invited')).toBeVisible();
  await expect(page.getByRole('listitem', { name: 'Sales' })).toContainText('1 member');
  await page.screenshot({ path: 'test-results/screens/accounts-1280.png', fullPage: true });
  await acceptInvitation(page, roster.baseURL, 'lead@acme.test');

  const lead = await signInElsewhere(browser, roster.baseURL, 'lead@acme.test');
  const table = lead.getByRole('table', { name: 'Members' });
  await expect(table.getByRole('row', { name: 'lead@acme.test' })).toBeVisible();
  await expect(table.getByRole('row', { name: 'outsider@acme.test' })).toHaveCount(0);

  // The Team Admin invites: the invitee is in Sales, visible to them; the outsider never is.
  await inviteByChips(lead, ['seller@acme.test']);
  await expect(table.getByRole('row', { name: 'seller@acme.test' })).toContainText('Pending');
  await expect(table.getByRole('row', { name: 'outsider@acme.test' })).toHaveCount(0);
  await expect(lead.getByRole('tab', { name: /Pending/ })).toContainText('1');

  // The Owner sees everyone, and Sales now counts two members.
  await page.reload();
  await nav(page, 'Accounts').click();
  await expect(page.getByRole('listitem', { name: 'Sales' })).toContainText('2 members');
  await lead.context().close();
});
