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

async function openPanel(page: Page, email: string) {
  await row(page, email).getByRole('button', { name: email, exact: true }).click();
  const panel = page.getByRole('dialog', { name: email });
  await expect(panel.getByRole('textbox', { name: 'Name' })).toBeVisible();
  return panel;
}

test('Escape in a confirm opened from the member panel closes the confirm only; the panel stays open', async ({ page, roster }) => {
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
});
