import { api, expect, OWNER, registerOwner, test } from './fixtures';

const nav = (page: import('@playwright/test').Page, name: string) => page.getByRole('navigation').getByText(name, { exact: true });

test('each role says what it is for and who holds it where; an admin edits a description', async ({ page, roster }) => {
  await registerOwner(page);
  // Two more Admins: one organization-wide, one in the France sub-account.
  const france = await api<{ id: number }>(page.request, roster.baseURL, 'accounts.create', { name: 'France' });
  const roles = await api<{ id: number; name: string }[]>(page.request, roster.baseURL, 'roles.list', undefined, 'query');
  const admin = roles.find((r) => r.name === 'Admin')!.id;
  await api(page.request, roster.baseURL, 'members.invite', { entries: [{ email: 'olivia@acme.test', name: 'Olivia Martin' }], grants: { roleIds: [admin] } });
  await api(page.request, roster.baseURL, 'members.invite', { entries: [{ email: 'pierre@acme.test', name: 'Pierre Durand' }], grants: { roleIds: [admin], grantAccountId: france.id, accountIds: [france.id] } });

  await nav(page, 'Roles & permissions').click();
  const adminCard = page.getByRole('region', { name: 'Admin', exact: true });
  await expect(adminCard).toContainText('Runs the admin console');
  const ownerCard = page.getByRole('region', { name: 'Owner', exact: true });
  await expect(ownerCard).toContainText('Holds every permission');

  // Edit the Admin role's description.
  await adminCard.getByRole('button', { name: 'Edit the description of Admin' }).click();
  const dialog = page.getByRole('dialog', { name: 'Description of Admin' });
  await dialog.getByRole('textbox', { name: 'Description' }).fill('  Runs the day-to-day: invites people and looks after the sub-accounts.  ');
  await dialog.getByRole('button', { name: 'Save description' }).click();
  await expect(page.getByText('Description saved')).toBeVisible();
  await expect(dialog).toBeHidden();
  await expect(adminCard).toContainText('Runs the day-to-day: invites people and looks after the sub-accounts.');

  // Who holds it, and where.
  await adminCard.getByRole('button', { name: 'Show the 2 members' }).click();
  const holders = adminCard.getByRole('table', { name: 'Members holding Admin' });
  await expect(holders.getByRole('row', { name: /Olivia Martin olivia@acme\.test Organization-wide/ })).toBeVisible();
  await expect(holders.getByRole('row', { name: /Pierre Durand pierre@acme\.test Acme Robotics \/ France/ })).toBeVisible();
  await ownerCard.getByRole('button', { name: 'Show the 1 member' }).click();
  await expect(ownerCard.getByRole('table', { name: 'Members holding Owner' })).toContainText(OWNER.email);

  await adminCard.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'test-results/screens/roles-details-1280.png', fullPage: true });
  await page.getByRole('button', { name: 'Toggle color theme' }).click();
  await page.screenshot({ path: 'test-results/screens/roles-details-dark-1280.png', fullPage: true });
  await adminCard.getByRole('button', { name: 'Edit the description of Admin' }).click();
  await expect(page.getByRole('dialog', { name: 'Description of Admin' })).toBeVisible();
  await page.screenshot({ path: 'test-results/screens/roles-describe-dark-1280.png' });
  await page.getByRole('dialog', { name: 'Description of Admin' }).getByRole('button', { name: 'Cancel' }).click();
});
