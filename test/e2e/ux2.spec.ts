import type { Browser, Page } from '@playwright/test';
import { acceptInvitation, api, expect, OWNER, registerOwner, signInElsewhere, test } from './fixtures';

/** Issue 15, second round: menus offer only what the signed-in person may do; a Team Admin's header names their sub-account. */

test.describe.configure({ timeout: 180_000 });


/** A second admin signed in on their own browser context, on the Members screen. */
async function signInToMembers(browser: Browser, baseURL: string, email: string): Promise<Page> {
  const page = await signInElsewhere(browser, baseURL, email);
  await expect(page.getByRole('heading', { name: 'Members' })).toBeVisible({ timeout: 30_000 });
  return page;
}

async function screens(page: Page, name: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.evaluate((s) => document.documentElement.setAttribute('data-mantine-color-scheme', s), scheme);
    await page.screenshot({ path: `test-results/screens/ux2-${name}-${scheme}.png` });
  }
  await page.evaluate(() => document.documentElement.setAttribute('data-mantine-color-scheme', 'light'));
}

const table = (page: Page) => page.getByRole('table', { name: 'Members' });

test('menus offer only what the signed-in person may do, and say why for the common actions left out', async ({ page, roster, browser }) => {
  await registerOwner(page);

  // The Owner's own row: no Deactivate nor Delete, and the menu says why.
  await table(page).getByRole('button', { name: `Actions for ${OWNER.email}` }).click();
  const menu = page.getByRole('menu');
  await expect(menu.getByRole('menuitem', { name: 'Deactivate' })).toHaveCount(0);
  await expect(menu.getByRole('menuitem', { name: 'Delete' })).toHaveCount(0);
  await expect(menu).toContainText('You cannot delete yourself: ask another admin.');
  await screens(page, 'owner-own-row-menu');
  await page.keyboard.press('Escape');

  // An Admin (at the company account) signs in.
  const roles = await api<{ id: number; builtin: string | null }[]>(page.request, roster.baseURL, 'roles.list', undefined, 'query');
  const admin = roles.find((r) => r.builtin === 'admin')!.id;
  await api(page.request, roster.baseURL, 'members.invite', { entries: [{ email: 'adam@acme.test', name: 'Adam Admin' }], grants: { roleIds: [admin] } });
  await acceptInvitation(page, roster.baseURL, 'adam@acme.test');
  const adam = await signInToMembers(browser, roster.baseURL, 'adam@acme.test');

  // No Delete nor Deactivate on the Owner: the Owner has more privileges.
  await table(adam).getByRole('button', { name: `Actions for ${OWNER.email}` }).click();
  const adamMenu = adam.getByRole('menu');
  await expect(adamMenu.getByRole('menuitem', { name: 'Delete' })).toHaveCount(0);
  await expect(adamMenu.getByRole('menuitem', { name: 'Deactivate' })).toHaveCount(0);
  await expect(adamMenu.getByRole('menuitem', { name: 'Change role…' })).toHaveCount(0);
  await expect(adamMenu).toContainText(`Deactivate, Delete and Change role are not offered: ${OWNER.email} has more privileges than you`);
  await screens(adam, 'admin-owner-row-menu');
  await adam.keyboard.press('Escape');

  // The bulk role list and the row's role dialog offer no Owner.
  await table(adam).getByRole('checkbox', { name: `Select ${OWNER.email}` }).check();
  const bar = adam.getByRole('region', { name: 'Bulk actions' });
  await expect(bar.getByRole('button', { name: 'Delete' })).toHaveAccessibleDescription(/has more privileges than you/);
  await bar.getByRole('textbox', { name: 'Change role to' }).or(bar.getByRole('combobox', { name: 'Change role to' })).first().click();
  await expect(adam.getByRole('option', { name: 'Admin', exact: true })).toBeVisible();
  await expect(adam.getByRole('option', { name: 'Owner', exact: true })).toHaveCount(0);
  await screens(adam, 'admin-bulk-roles');
  await adam.keyboard.press('Escape');

  // In a member's panel, "Delete the organization" cannot be granted by someone who does not hold it.
  await inviteAndOpen(adam, roster.baseURL, 'newbie@acme.test');
  const box = adam.getByRole('checkbox', { name: 'Single permission: Delete the organization' });
  await expect(box).toBeDisabled();
  await expect(adam.getByRole('checkbox', { name: 'Single permission: Audit' })).toBeEnabled();
  await box.scrollIntoViewIfNeeded();
  await screens(adam, 'admin-panel-permissions');
  await adam.context().close();
});

async function inviteAndOpen(page: Page, baseURL: string, email: string): Promise<void> {
  const roles = await api<{ id: number; builtin: string | null }[]>(page.request, baseURL, 'roles.list', undefined, 'query');
  await api(page.request, baseURL, 'members.invite', { entries: [{ email }], grants: { roleIds: [roles.find((r) => r.builtin === 'member')!.id] } });
  await page.reload();
  await table(page).getByRole('button', { name: email, exact: true }).click();
  await expect(page.getByRole('dialog')).toBeVisible();
}

test('a Team Admin’s Members header counts the people of their sub-account, named', async ({ page, roster, browser }) => {
  await registerOwner(page);
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Accounts', exact: true }).click();
  await page.getByRole('textbox', { name: 'New sub-account' }).fill('France');
  await page.getByRole('textbox', { name: 'Invite the person in charge (optional)' }).fill('lead@acme.test');
  await page.getByRole('textbox', { name: 'Their role there' }).or(page.getByRole('combobox', { name: 'Their role there' })).first().click();
  await page.getByRole('option', { name: 'Admin', exact: true }).click();
  await page.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByText('lead@acme.test invited')).toBeVisible();
  await acceptInvitation(page, roster.baseURL, 'lead@acme.test');

  const lead = await signInToMembers(browser, roster.baseURL, 'lead@acme.test');
  await expect(lead.getByText(/^1 person in France$/)).toBeVisible();
  await screens(lead, 'team-admin-header');
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Members', exact: true }).click();
  await expect(page.getByText(/^2 people in Acme Robotics$/)).toBeVisible();
  await lead.context().close();
});

test('a person in several organizations picks the organization at sign-in', async ({ page, roster, browser }) => {
  await registerOwner(page);
  await api(page.request, roster.baseURL, 'organizations.create', { name: 'Globex' });

  const other = await (await browser.newContext()).newPage();
  await other.goto(roster.baseURL);
  await other.getByRole('textbox', { name: 'Email' }).fill(OWNER.email);
  await other.getByRole('textbox', { name: 'Password' }).fill(OWNER.password);
  await other.getByRole('button', { name: 'Sign in' }).click();
  const choice = other.getByRole('radiogroup', { name: 'Organization' });
  await expect(choice).toBeVisible({ timeout: 30_000 });
  await expect(choice.getByRole('radio')).toHaveCount(2);
  await screens(other, 'signin-choose-organization');
  await choice.getByRole('radio', { name: 'Globex' }).check();
  await other.getByRole('button', { name: 'Continue' }).click();
  await expect(other.getByRole('heading', { name: 'Members' })).toBeVisible({ timeout: 30_000 });
  await expect(other.getByText(/^1 person in Globex$/)).toBeVisible();
  await other.context().close();
});
