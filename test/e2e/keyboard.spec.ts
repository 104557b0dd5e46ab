import type { Page } from '@playwright/test';
import { expect, registerOwner, test } from './fixtures';

/** What has the focus: its role-ish tag, accessible label or text, and whether a focus ring shows. */
async function focused(page: Page): Promise<{ name: string; ring: boolean }> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el) return { name: '', ring: false };
    const labelled = el.getAttribute('aria-labelledby');
    const byId = labelled ? labelled.split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' ') : '';
    const label = (el.id && document.querySelector(`label[for="${el.id}"]`)?.textContent) || '';
    const name = (el.getAttribute('aria-label') || byId || label || el.textContent || '').trim();
    const s = getComputedStyle(el);
    // Buttons, links and rows get an outline; Mantine's text fields show focus by a border in the primary colour.
    const probe = document.createElement('div');
    probe.style.color = 'var(--mantine-primary-color-filled)';
    document.body.appendChild(probe);
    const primary = getComputedStyle(probe).color;
    probe.remove();
    const field = el.tagName === 'INPUT' || el.tagName === 'TEXTAREA';
    const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none' || (field && s.borderColor === primary);
    return { name, ring };
  });
}

/** Presses Tab (or Shift+Tab) until the focus is on `name`, checking on arrival that a focus ring shows. */
async function tabTo(page: Page, name: string | RegExp, opts: { back?: boolean; max?: number } = {}): Promise<void> {
  const seen: string[] = [];
  for (let i = 0; i < (opts.max ?? 60); i++) {
    await page.keyboard.press(opts.back ? 'Shift+Tab' : 'Tab');
    const f = await focused(page);
    seen.push(f.name);
    if (typeof name === 'string' ? f.name === name : name.test(f.name)) {
      // Fields fade their border in: wait for it rather than sample it mid-transition.
      await expect.poll(async () => (await focused(page)).ring, { message: `a visible focus ring on ${f.name}` }).toBe(true);
      return;
    }
  }
  throw new Error(`Tab never reached "${String(name)}"; it went through: ${seen.join(' | ')}`);
}

test('the main flow with the keyboard only: invite someone, open their panel, change their role', async ({ page }) => {
  await registerOwner(page);

  // The side menu is reachable by Tab.
  await tabTo(page, 'Roles & permissions');
  await tabTo(page, 'Members', { back: true });

  await tabTo(page, 'Invite people');
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Invite people' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('combobox', { name: 'Email addresses' })).toBeFocused();
  await page.keyboard.type('kim@example.org');
  await page.keyboard.press('Enter');
  await expect(dialog.getByRole('region', { name: 'Preview' })).toContainText('1 to invite');
  await tabTo(page, /^Send 1 invitation/);
  await page.keyboard.press('Enter');
  await expect(dialog.getByText(/^Invitations (sent|created)$/)).toBeVisible();
  // Escape closes the dialog and the focus goes back where it was.
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('button', { name: 'Invite people' })).toBeFocused();

  // The table: Tab into it, arrows move between rows, Enter opens the person's panel.
  const table = page.getByRole('table', { name: 'Members' });
  await expect(table.getByRole('row', { name: /kim@example\.org/ })).toBeVisible();
  for (let i = 0; i < 60 && !(await page.evaluate(() => document.activeElement?.getAttribute('role') === 'row')); i++) await page.keyboard.press('Tab');
  expect((await focused(page)).ring, 'a visible focus ring on the row').toBe(true);
  for (let i = 0; i < 5 && !(await table.getByRole('row', { name: /kim@example\.org/ }).evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('ArrowDown');
  await expect(table.getByRole('row', { name: /kim@example\.org/ })).toBeFocused();
  await page.keyboard.press('Enter');
  const panel = page.getByRole('dialog', { name: 'kim@example.org' });
  await expect(panel).toBeVisible();

  // Change the role with the keyboard: the select opens with the arrows, Enter picks.
  // The first role's picker: "Role" within the group "Role 1".
  await tabTo(page, 'Role');
  await page.keyboard.press('ArrowDown');
  await expect(page.getByRole('option', { name: 'Admin', exact: true })).toBeVisible();
  for (let i = 0; i < 6 && !(await page.getByRole('option', { name: 'Admin', exact: true }).evaluate((el) => el.hasAttribute('data-combobox-selected'))); i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await expect(panel.getByRole('group', { name: 'Role 1' }).getByLabel('Role', { exact: true })).toHaveValue('Admin');
  await tabTo(page, 'Save access');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('alert').filter({ hasText: /saved|changed|updated/i }).first()).toBeVisible();

  await page.keyboard.press('Escape');
  await expect(panel).toBeHidden();
  await expect(table.getByRole('row', { name: /kim@example\.org/ })).toBeFocused();
  await expect(table.getByRole('row', { name: /kim@example\.org/ })).toContainText('Admin');
});

test('the account tree with the keyboard: arrows collapse, expand and move between rows; a dialog traps the focus and gives it back', async ({ page }) => {
  await registerOwner(page);
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Accounts', exact: true }).click();
  for (const [name, under] of [['France', null], ['Paris', 'France']] as const) {
    await page.getByRole('textbox', { name: 'New sub-account' }).fill(name);
    if (under) {
      await page.getByRole('combobox', { name: 'Under' }).click();
      await page.getByRole('option', { name: `Acme Robotics / ${under}`, exact: true }).click();
    }
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await expect(page.getByRole('listitem', { name, exact: true })).toBeVisible();
  }
  await page.getByRole('heading', { name: 'Accounts' }).click();
  await tabTo(page, 'Collapse France');
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByRole('listitem', { name: 'Paris' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Expand France' })).toBeFocused();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('listitem', { name: 'Paris' })).toBeVisible();
  await page.keyboard.press('ArrowDown');
  await expect(page.getByRole('button', { name: 'Actions for Paris' })).toBeFocused();
  await page.keyboard.press('ArrowUp');
  await expect(page.getByRole('button', { name: 'Collapse France' })).toBeFocused();

  // The actions menu and its dialog by keyboard; Tab stays inside the dialog; Escape gives the focus back.
  await tabTo(page, 'Actions for France');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('menuitem', { name: 'Rename' })).toBeVisible();
  // Menu items are reached with the arrows (a menu keeps one Tab stop).
  const rename = page.getByRole('menuitem', { name: 'Rename' });
  for (let i = 0; i < 4 && !(await rename.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('ArrowDown');
  await expect(rename).toBeFocused();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Rename Acme Robotics / France' });
  await expect(dialog.getByRole('textbox', { name: 'Name' })).toBeFocused();
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press('Tab');
    expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  }
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('button', { name: 'Actions for France' })).toBeFocused();
});
