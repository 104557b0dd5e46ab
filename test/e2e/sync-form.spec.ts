import type { Page } from '@playwright/test';
import { startScimServer } from '../support/scim-server';
import { expect, registerOwner, test } from './fixtures';

test.describe.configure({ timeout: 180_000 });

async function openSync(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Sync', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Sync', exact: true })).toBeVisible();
}

test('sync: Test connection answers for the URL and token typed, before saving; a new server is saved switched off and nothing is pushed', async ({ page }) => {
  const scim = await startScimServer();
  try {
    await registerOwner(page);
    await openSync(page);
    const testButton = page.getByRole('button', { name: 'Test connection' });
    const on = page.getByRole('checkbox', { name: 'Sync is on' });
    await expect(on).not.toBeChecked();
    await expect(testButton).toBeDisabled();
    await expect(testButton).toHaveAttribute('title', 'Enter the SCIM base URL first');
    await page.getByRole('textbox', { name: 'SCIM base URL' }).fill(scim.baseUrl);
    await expect(testButton).toHaveAttribute('title', 'Enter the bearer token first');

    await page.getByLabel('Bearer token').fill('wrong-token');
    await testButton.click();
    await expect(page.getByRole('alert').filter({ hasText: 'Connection failed' })).toContainText('The token was rejected (401).');
    await page.getByLabel('Bearer token').fill(scim.token);
    await testButton.click();
    await expect(page.getByRole('alert').filter({ hasText: 'Connected' })).toContainText('PATCH yes');
    await page.screenshot({ path: 'test-results/screens/sync-form-tested-1280.png', fullPage: true });
    // Only reads so far, and nothing saved.
    expect(scim.log.filter((l) => l.method !== 'GET')).toEqual([]);
    await expect(page.getByRole('heading', { name: 'Status' })).toHaveCount(0);

    await page.getByRole('button', { name: 'Save sync settings' }).click();
    await expect(page.getByText('Sync settings saved')).toBeVisible();
    await expect(page.getByRole('alert').filter({ hasText: 'Sync is paused' })).toContainText('Sync is switched off.');
    await expect(on).not.toBeChecked();
    // The saved token is used when the field is left empty.
    await expect(page.getByLabel('Bearer token')).toHaveValue('');
    const asked = scim.log.length;
    await testButton.click();
    await expect.poll(() => scim.log.length).toBeGreaterThan(asked);
    await expect(page.getByRole('alert').filter({ hasText: 'Connected' })).toBeVisible();
    expect(scim.users.size).toBe(0);
  } finally {
    await scim.close();
  }
});
