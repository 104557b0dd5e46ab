import type { Route } from '@playwright/test';
import { expect, OWNER, registerOwner, test } from './fixtures';

test.describe.configure({ timeout: 120_000 });

test('members: while the counts load, the title and the tabs say so instead of showing 0 people', async ({ page }) => {
  await registerOwner(page);
  await expect(page.getByText(`1 person in ${OWNER.organization}`)).toBeVisible();
  // The counts' answer is held back until the page has been seen without it.
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let held = false;
  await page.route(/\/trpc\/[^?]*members\.counts/, async (route: Route) => {
    held = true;
    await released;
    await route.continue();
  });
  await page.reload();
  await expect.poll(() => held).toBe(true);
  await expect(page.getByText(`Counting the people in ${OWNER.organization}…`)).toBeVisible();
  await expect(page.getByText(`0 people in ${OWNER.organization}`)).toHaveCount(0);
  await expect(page.getByRole('tab', { name: /^All/ })).toHaveText('All …');
  await expect(page.getByRole('tab', { name: /^Active/ })).toHaveText('Active …');
  release();
  await expect(page.getByText(`1 person in ${OWNER.organization}`)).toBeVisible();
  await expect(page.getByRole('tab', { name: /^All/ })).toHaveText('All 1');
});
