import type { Page, Request } from '@playwright/test';
import { api, expect, OWNER, registerOwner, test } from './fixtures';

/**
 * The ends of the members list in one step: End (or "Go to last row") shows the last rows with their
 * true place ("…–301 of 301"), asked as one backward keyset page, and scrolling up from there loads
 * the earlier pages backward; Home and "Go to first row" come back to the top; arrows still move rows.
 */

const N = 300;
const email = (i: number) => `ends${String(i).padStart(4, '0')}@acme.test`;
const table = (page: Page) => page.getByRole('table', { name: 'Members' });
const scroller = (page: Page) => page.getByTestId('Members-scroller');
const rowAt = (page: Page, index: number) => table(page).locator(`tr[data-index="${index}"]`);
const focusedRow = (page: Page) => page.evaluate(() => (document.activeElement?.getAttribute('role') === 'row' ? document.activeElement.getAttribute('aria-label') : null));

test('End reaches the last member in one step, scrolling up loads earlier pages backward, Home goes back to the first', async ({ page, roster }) => {
  test.setTimeout(180_000);
  await registerOwner(page);
  const roles = await api<{ id: number; builtin: string | null }[]>(page.request, roster.baseURL, 'roles.list', undefined, 'query');
  const member = roles.find((r) => r.builtin === 'member')!.id;
  await api(page.request, roster.baseURL, 'members.invite', { entries: Array.from({ length: N }, (_, i) => ({ email: email(i) })), grants: { roleIds: [member] } });
  await page.reload();
  await expect(page.getByTestId('members-range')).toHaveText(/^1–\d+ of 301$/);
  const firstEmail = (await rowAt(page, 0).getAttribute('aria-label'))!;
  // Pending rows without a mail server: the "No server" chip reads whole at both sizes (screenshots to look at).
  for (const [width, height] of [[1920, 1080], [1280, 800]] as const) {
    await page.setViewportSize({ width, height });
    const chip = rowAt(page, 1).locator('[data-delivery="no-server"]');
    await expect(chip).toBeVisible();
    // Not cut to "NO …" (its label is as wide as its text), nor the expiry date beside it.
    expect(await chip.evaluate((el) => [...el.querySelectorAll<HTMLElement>('*')].some((c) => getComputedStyle(c).position !== 'absolute' && c.scrollWidth > c.clientWidth + 1))).toBe(false);
    const until = rowAt(page, 1).getByText(/^until /);
    expect(await until.evaluate((el) => el.scrollWidth > el.clientWidth + 1)).toBe(false);
    await page.screenshot({ path: test.info().outputPath(`members-pending-${width}x${height}.png`) });
  }

  // Arrows move between rows.
  await rowAt(page, 0).focus();
  await page.keyboard.press('ArrowDown');
  await expect.poll(() => focusedRow(page)).toBe(await rowAt(page, 1).getAttribute('aria-label'));

  // End: one list call, backward, and the last member (the Owner, invited first) has the focus at row 301.
  const asked: string[] = [];
  const onRequest = (r: Request) => r.url().includes('members.list') && asked.push(decodeURIComponent(r.url()));
  page.on('request', onRequest);
  await page.keyboard.press('End');
  const last = table(page).getByRole('row', { name: OWNER.email });
  await expect(last).toBeVisible();
  await expect(last).toHaveAttribute('aria-rowindex', String(N + 2));
  await expect.poll(() => focusedRow(page)).toBe(OWNER.email);
  await expect(page.getByTestId('members-range')).toHaveText(/–301 of 301$/);
  expect(asked.length).toBe(1);
  expect(asked[0]).toContain('"direction":"backward"');
  // The rows between the top and the last page were never asked for.
  await expect(rowAt(page, 0)).toHaveCount(0);

  // Up arrow from the last row: the one before it.
  await page.keyboard.press('ArrowUp');
  await expect.poll(() => focusedRow(page)).toBe(await rowAt(page, N - 1).getAttribute('aria-label'));

  // Scrolling up from the end: earlier pages come backward, each row at its place, in order.
  for (let step = 0; step < 40 && (await rowAt(page, 0).count()) === 0; step++) {
    await scroller(page).evaluate((el) => (el.scrollTop -= 600));
    await page.waitForTimeout(100);
  }
  await expect(rowAt(page, 0)).toHaveAttribute('aria-label', firstEmail);
  expect(asked.every((u) => u.includes('"direction":"backward"'))).toBe(true);
  expect(asked.length).toBeGreaterThan(4);
  page.off('request', onRequest);

  // "Go to last row" and "Go to first row": the same jumps from the buttons.
  await page.getByRole('button', { name: 'Go to last row' }).click();
  await expect(last).toBeVisible();
  await page.getByRole('button', { name: 'Go to first row' }).click();
  await expect(rowAt(page, 0)).toBeVisible();
  await expect(rowAt(page, 0)).toHaveAttribute('aria-label', firstEmail);

  // Home from a row near the end: back to the first row, focused.
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Go to last row' }).click();
  await last.focus();
  await page.keyboard.press('Home');
  await expect.poll(() => focusedRow(page)).toBe(firstEmail);
  await expect(page.getByTestId('members-range')).toHaveText(/^1–\d+ of 301$/);
  // Ctrl+End and Ctrl+Home, as in a spreadsheet.
  await page.keyboard.press('Control+End');
  await expect.poll(() => focusedRow(page)).toBe(OWNER.email);
  await page.keyboard.press('Control+Home');
  await expect.poll(() => focusedRow(page)).toBe(firstEmail);
});
