import type { Page } from '@playwright/test';
import { expect, registerOwner, test } from './fixtures';

/** Issue 15: what an admin trips over. Each flow as the admin does it; screenshots light and dark for review. */

// Long flows with password hashing (scrypt) and screenshots, on a 2-core machine shared by several runs.
test.describe.configure({ timeout: 180_000 });

async function screens(page: Page, name: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.evaluate((s) => document.documentElement.setAttribute('data-mantine-color-scheme', s), scheme);
    await page.screenshot({ path: `test-results/screens/ux-${name}-${scheme}.png` });
  }
  await page.evaluate(() => document.documentElement.setAttribute('data-mantine-color-scheme', 'light'));
}

async function paste(page: Page, text: string): Promise<void> {
  await page.evaluate((t) => {
    const dt = new DataTransfer();
    dt.setData('text/plain', t);
    document.activeElement!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
  }, text);
}

const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name, exact: true });

test('invite dialog: named lines, marked chips, a chip edited, extra grants, the CSV role rule and visible actions', async ({ page }) => {
  await registerOwner(page);
  await page.getByRole('button', { name: 'Invite people' }).click();
  const dialog = page.getByRole('dialog', { name: 'Invite people' });
  const input = dialog.getByRole('combobox', { name: 'Email addresses' });
  await input.focus();
  await paste(page, 'Ada Lovelace <lovelace@acme.test>\nbob@acme.test, Bob Builder\nbad@@x\nchloé.garcía2@acme.test');

  // Chips carry the names; invalid and non-ASCII ones are marked before any preview.
  await expect(dialog.getByRole('button', { name: 'Edit lovelace@acme.test' })).toHaveText('Ada Lovelace <lovelace@acme.test>');
  await expect(dialog.getByRole('button', { name: 'Edit bob@acme.test' })).toHaveText('Bob Builder <bob@acme.test>');
  await expect(dialog.getByRole('button', { name: 'Edit bad@@x (Not a valid email address)' })).toBeVisible();
  await expect(dialog.getByRole('button', { name: /Edit chloé\.garcía2@acme\.test \(Addresses with non-ASCII characters/ })).toBeVisible();
  await expect(dialog).toContainText('2 addresses cannot be invited');

  // A chip is edited to add a phone.
  await dialog.getByRole('button', { name: 'Edit bob@acme.test' }).click();
  const editor = page.getByRole('form', { name: 'Edit bob@acme.test' });
  await editor.getByRole('textbox', { name: 'Phone' }).fill('+33 6 12 34 56 78');
  await editor.getByRole('button', { name: 'Save' }).click();
  await expect(dialog.getByRole('button', { name: 'Edit bob@acme.test' })).toContainText('+33 6 12 34 56 78');

  const preview = dialog.getByRole('region', { name: 'Preview' });
  await expect(preview).toContainText('2 to invite, 2 skipped');
  await expect(preview.getByRole('row', { name: 'chloé.garcía2@acme.test' })).toContainText('non-ASCII characters');
  await expect(preview.getByRole('row', { name: 'lovelace@acme.test' })).toContainText('Member');

  // Also grant: a product module at invite.
  await dialog.getByRole('combobox', { name: 'Also grant' }).click();
  await page.getByRole('option', { name: 'Pricing' }).click();
  await page.keyboard.press('Escape');

  // A CSV with its own role column: the rule must be chosen, and the preview says each address's roles.
  await dialog.locator('input[type=file]').setInputFiles({
    name: 'people.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(`email,name,role\n${Array.from({ length: 30 }, (_, i) => `p${i}@acme.test,Person ${i},${i === 0 ? 'Admin' : ''}`).join('\n')}\n`),
  });
  await expect(dialog.getByRole('button', { name: /^Send \d+ invitations/ })).toBeDisabled();
  await expect(dialog.getByRole('group', { name: 'Dialog actions' })).toContainText('Choose what the CSV file’s roles do.');
  // The actions stay in view at 1280×800 with a CSV loaded.
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeInViewport();
  await dialog.getByRole('radio', { name: 'Adds to the roles above' }).check();
  await expect(preview.getByRole('row', { name: 'p0@acme.test' })).toContainText('Member, Admin');
  await dialog.getByRole('radio', { name: 'Replaces the roles above' }).check();
  await expect(preview.getByRole('row', { name: 'p0@acme.test' }).getByRole('cell').last()).toHaveText('Admin');
  await expect(preview.getByRole('row', { name: 'p1@acme.test' })).toContainText('Member');
  await expect(dialog.getByRole('button', { name: 'Send 32 invitations' })).toBeInViewport();
  await screens(page, 'invite-dialog');

  await dialog.getByRole('button', { name: 'Send 32 invitations' }).click();
  // No SMTP here: the confirmation says the invitations wait, with a way to Mail settings.
  await expect(dialog.getByText('Invitations created', { exact: true })).toBeVisible();
  await expect(dialog).toContainText('No mail server is set for this organization');
  await screens(page, 'invite-no-mail');
  await dialog.getByRole('button', { name: 'Done' }).click();

  // Each pending row says why its mail waits, and leads to Mail settings.
  const waiting = page.getByRole('table', { name: 'Members' }).getByRole('link', { name: /^No server \(Mail queued\) No mail server is set/ }).first();
  await expect(waiting).toContainText('No mail server is set for this organization: the invitations wait; copy or export their links.');
  await screens(page, 'members-no-mail');
  await waiting.click();
  await expect(page.getByRole('heading', { name: 'Mail', exact: true })).toBeVisible();
  await expect(nav(page, 'Mail')).toBeVisible();
});

test('sub-accounts: the form starts again after Create, sibling duplicates are refused, the tree folds and is searched', async ({ page }) => {
  await registerOwner(page);
  await nav(page, 'Accounts').click();
  await expect(page.getByRole('list', { name: 'Account structure' })).toBeVisible();
  await expect(page.getByText('No sub-accounts yet.')).toBeVisible();
  const create = async (name: string, under?: string) => {
    await page.getByRole('textbox', { name: 'New sub-account' }).fill(name);
    if (under) {
      await page.getByRole('combobox', { name: 'Under' }).click();
      await page.getByRole('option', { name: under, exact: true }).click();
    }
    await page.getByRole('button', { name: 'Create', exact: true }).click();
  };
  await create('France');
  await expect(page.getByRole('listitem', { name: 'France' })).toBeVisible();
  await create('Paris', 'Acme Robotics / France');
  await expect(page.getByRole('listitem', { name: 'Paris' })).toBeVisible();
  // The form is empty again: the next account goes under the company account unless the admin picks.
  await expect(page.getByRole('textbox', { name: 'New sub-account' })).toHaveValue('');
  await expect(page.getByRole('combobox', { name: 'Under' })).toHaveValue('');
  await create('Spain');
  await expect(page.getByRole('listitem', { name: 'Spain' })).toBeVisible();

  await create('FRANCE');
  await expect(page.getByRole('alert').filter({ hasText: 'Acme Robotics already has a sub-account called "FRANCE": choose another name.' })).toBeVisible();
  await expect(page.getByRole('listitem', { name: 'FRANCE', exact: true })).toHaveCount(0);

  await page.getByRole('button', { name: 'Collapse France' }).click();
  await expect(page.getByRole('listitem', { name: 'Paris' })).toHaveCount(0);
  await page.getByRole('button', { name: 'Expand France' }).click();
  await expect(page.getByRole('listitem', { name: 'Paris' })).toBeVisible();
  await page.getByRole('textbox', { name: 'Search accounts' }).fill('par');
  await expect(page.getByRole('listitem', { name: 'Paris' })).toBeVisible();
  await expect(page.getByRole('listitem', { name: 'Spain' })).toHaveCount(0);
  await page.getByRole('textbox', { name: 'Search accounts' }).fill('');
  await screens(page, 'accounts');

  // "Move to…" with the full path on hover.
  await page.getByRole('button', { name: 'Actions for Paris' }).click();
  await page.getByRole('menuitem', { name: 'Move to…' }).click();
  const move = page.getByRole('dialog', { name: 'Move Acme Robotics / France / Paris' });
  await move.getByRole('combobox', { name: 'New parent' }).click();
  await expect(page.getByRole('option', { name: 'Acme Robotics / Spain' }).getByTitle('Acme Robotics / Spain')).toBeVisible();
  await page.getByRole('option', { name: 'Acme Robotics / Spain' }).click();
  await move.getByRole('button', { name: 'Move', exact: true }).click();
  await expect(page.getByRole('listitem', { name: 'Paris' })).toHaveAttribute('style', /padding-left/);
  await expect(page.getByRole('listitem', { name: 'Paris' }).getByTitle('Acme Robotics / Spain / Paris')).toBeVisible();
});

test('roles: deleting a role and removing a module ask first, naming who holds them; locked boxes say why', async ({ page }) => {
  await registerOwner(page);
  await nav(page, 'Roles & permissions').click();
  await page.getByRole('button', { name: 'New role' }).click();
  await page.getByRole('dialog').getByRole('textbox', { name: 'Role name' }).fill('Support');
  await page.getByRole('button', { name: 'Create role' }).click();
  await expect(page.getByRole('button', { name: 'Role Support' })).toBeVisible();

  await expect(page.getByRole('checkbox', { name: 'Owner: Invite' })).toBeDisabled();
  await expect(page.getByRole('checkbox', { name: 'Owner: Invite' })).toHaveAccessibleDescription('The Owner role always holds every permission.');

  // A role someone holds cannot be deleted, and the menu says why.
  await page.getByRole('button', { name: 'Role Admin' }).click();
  await expect(page.getByRole('menuitem', { name: 'Copy' })).toBeVisible();
  await page.keyboard.press('Escape');

  await page.getByRole('button', { name: 'Role Support' }).click();
  await page.getByRole('menuitem', { name: 'Delete…' }).click();
  const confirmRole = page.getByRole('dialog', { name: 'Delete the role Support' });
  await expect(confirmRole).toContainText('No member holds it');
  await screens(page, 'roles-confirm-delete');
  await confirmRole.getByRole('button', { name: 'Keep' }).click();
  await expect(page.getByRole('button', { name: 'Role Support' })).toBeVisible();
  // Focus goes back where it was once the dialog closes.
  await expect(page.getByRole('button', { name: 'Role Support' })).toBeFocused();
  await page.getByRole('button', { name: 'Role Support' }).click();
  await page.getByRole('menuitem', { name: 'Delete…' }).click();
  await page.getByRole('dialog', { name: 'Delete the role Support' }).getByRole('button', { name: 'Delete role' }).click();
  await expect(page.getByRole('button', { name: 'Role Support' })).toHaveCount(0);

  await page.getByRole('button', { name: 'Remove module Pricing' }).click();
  const confirmModule = page.getByRole('dialog', { name: 'Remove the module Pricing' });
  await expect(confirmModule).toContainText('Owner, Admin give it to 1 member');
  await confirmModule.getByRole('button', { name: 'Keep' }).click();
  await expect(page.getByRole('checkbox', { name: 'Admin: Pricing' })).toBeVisible();
  await screens(page, 'roles');
});

/** Calls the router over HTTP with the page's cookies. */
async function api<T>(page: Page, baseURL: string, path: string, input?: unknown): Promise<T> {
  const res = await page.request.post(`${baseURL}/trpc/${path}`, { headers: { 'x-roster-client': 'web' }, data: input ?? {} });
  const body = (await res.json()) as { result?: { data: T }; error?: unknown };
  if (!res.ok() || !body.result) throw new Error(`${path}: ${res.status()} ${JSON.stringify(body.error)}`);
  return body.result.data;
}

test('the member panel says where a role applies: "Admin · France"', async ({ page, roster }) => {
  await registerOwner(page);
  const france = await api<{ id: number }>(page, roster.baseURL, 'accounts.create', { name: 'France' });
  const roles = await (await page.request.get(`${roster.baseURL}/trpc/roles.list`, { headers: { 'x-roster-client': 'web' } })).json() as { result: { data: { id: number; name: string }[] } };
  const admin = roles.result.data.find((r) => r.name === 'Admin')!.id;
  await api(page, roster.baseURL, 'members.invite', { entries: [{ email: 'tess@acme.test', name: 'Tess Team' }], grants: { roleIds: [admin], grantAccountId: france.id } });
  await page.reload();
  await page.getByRole('table', { name: 'Members' }).getByText('tess@acme.test').click();
  const panel = page.getByRole('dialog', { name: 'Tess Team' });
  await expect(panel.getByText('Admin · France', { exact: true })).toBeVisible();
  await expect(panel.getByRole('checkbox', { name: 'Single permission: Invite' })).toBeVisible();
  await screens(page, 'member-panel');
});
