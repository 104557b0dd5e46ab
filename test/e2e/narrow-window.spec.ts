import type { Locator, Page } from '@playwright/test';
import { expect, inviteByChips, registerOwner, test } from './fixtures';

test.describe.configure({ timeout: 180_000 });

/** The right edge of an element, in the page's pixels. */
async function rightEdge(l: Locator): Promise<number> {
  const box = await l.boundingBox();
  if (!box) throw new Error('not laid out');
  return box.x + box.width;
}

const scrolls = (page: Page) => page.getByTestId('Members-scroller').evaluate((el) => el.scrollWidth > el.clientWidth);

test('a window of 800×700 shows the whole Members table and Roles matrix without scrolling sideways; a wide one keeps the menu and every column', async ({ page }) => {
  await registerOwner(page);
  await inviteByChips(page, ['gus@acme.test']);
  const table = page.getByRole('table', { name: 'Members' });
  const menu = table.getByRole('button', { name: 'Actions for gus@acme.test' });
  await expect(menu).toBeVisible();

  await page.setViewportSize({ width: 800, height: 700 });
  // The menu folds behind the burger, and opens from it.
  await expect(page.getByRole('button', { name: 'Toggle navigation' })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Sections' })).not.toBeInViewport();
  await expect.poll(() => scrolls(page)).toBe(false);
  for (const header of ['Status', 'Invited']) expect(await rightEdge(table.getByRole('columnheader', { name: header }))).toBeLessThanOrEqual(800);
  expect(await rightEdge(menu)).toBeLessThanOrEqual(800);
  await expect(menu).toBeInViewport();
  await page.screenshot({ path: 'test-results/screens/members-800x700.png' });

  await page.getByRole('button', { name: 'Toggle navigation' }).click();
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Roles & permissions' }).click();
  const matrix = page.getByRole('table', { name: 'Permission matrix' });
  await expect(matrix.getByRole('button', { name: 'Role Member' })).toBeInViewport();
  expect(await rightEdge(matrix.getByRole('button', { name: 'Role Member' }))).toBeLessThanOrEqual(800);
  await page.screenshot({ path: 'test-results/screens/roles-800x700.png' });

  // Between the two, the menu stays, narrower, and the table still fits beside it.
  await page.setViewportSize({ width: 1000, height: 700 });
  await expect(page.getByRole('navigation', { name: 'Sections' })).toBeInViewport();
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Members' }).click();
  await expect.poll(() => scrolls(page)).toBe(false);
  expect(await rightEdge(menu)).toBeLessThanOrEqual(1000);
  await page.screenshot({ path: 'test-results/screens/members-1000x700.png' });

  await page.setViewportSize({ width: 1280, height: 800 });
  await expect(page.getByRole('button', { name: 'Toggle navigation' })).toBeHidden();
  await expect(table.getByRole('columnheader', { name: 'Phone' })).toBeVisible();
  await expect.poll(() => scrolls(page)).toBe(false);
  await expect(menu).toBeInViewport();
  await page.screenshot({ path: 'test-results/screens/members-1280x800.png' });
});
