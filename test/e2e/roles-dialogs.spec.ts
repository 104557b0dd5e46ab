import type { Page } from '@playwright/test';
import { expect, registerOwner, test } from './fixtures';

/** Roles' name and module dialogs: a refusal shows on its field, and a dialog opened again starts clean. */

test.describe.configure({ timeout: 180_000 });

const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name, exact: true });

test('roles: a refused role name or module key shows on its field, and the dialog reopens without it', async ({ page }) => {
  await registerOwner(page);
  await nav(page, 'Roles & permissions').click();

  await page.getByRole('button', { name: 'New role' }).click();
  let dialog = page.getByRole('dialog', { name: 'New role' });
  await dialog.getByRole('textbox', { name: 'Role name' }).fill('admin');
  await dialog.getByRole('button', { name: 'Create role' }).click();
  await expect(dialog.getByRole('textbox', { name: 'Role name' })).toHaveAccessibleDescription(/already exists/);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);
  await page.getByRole('button', { name: 'New role' }).click();
  dialog = page.getByRole('dialog', { name: 'New role' });
  await expect(dialog.getByRole('textbox', { name: 'Role name' })).toBeVisible();
  await expect(dialog.getByText(/already exists/)).toHaveCount(0);
  await expect(dialog.getByRole('textbox', { name: 'Role name' })).not.toHaveAttribute('aria-invalid', 'true');
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);

  await page.getByRole('button', { name: 'Add module' }).click();
  let mod = page.getByRole('dialog', { name: 'Add a product module' });
  await mod.getByRole('textbox', { name: 'Module name' }).fill('Reports');
  const key = mod.getByRole('textbox', { name: 'Module key' });
  await key.fill('Reports Module!');
  await mod.getByRole('button', { name: 'Add module' }).click();
  await expect(key).toHaveAccessibleDescription(/Module keys use letters, digits and dashes, e\.g\. "reports"\./);
  await expect(mod.getByText('key:')).toHaveCount(0);
  // Typing in the field takes its error away.
  await key.fill('Reports Module?');
  await expect(key).not.toHaveAttribute('aria-invalid', 'true');
  await mod.getByRole('button', { name: 'Add module' }).click();
  await expect(key).toHaveAttribute('aria-invalid', 'true');
  await mod.getByRole('button', { name: 'Cancel' }).click();
  await expect(mod).toHaveCount(0);
  await page.getByRole('button', { name: 'Add module' }).click();
  mod = page.getByRole('dialog', { name: 'Add a product module' });
  await expect(mod.getByRole('textbox', { name: 'Module key' })).toBeVisible();
  await expect(mod.getByText(/Module keys use letters/)).toHaveCount(0);
});
