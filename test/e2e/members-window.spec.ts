import type { Page, Request } from '@playwright/test';
import { api, expect, OWNER, registerOwner, test } from './fixtures';

/**
 * The members list keeps a window of pages around the rows in view (10 pages of 50): pages scrolled
 * past are dropped and fetched again when the admin scrolls back, so memory stays flat at any size.
 */

const N = 1_200;
const email = (i: number) => `person${String(i).padStart(4, '0')}@acme.test`;
const table = (page: Page) => page.getByRole('table', { name: 'Members' });
const scroller = (page: Page) => page.getByTestId('Members-scroller');
/** The row at a place in the list (0 is the first), as the table lays it out. */
const rowAt = (page: Page, index: number) => table(page).locator(`tr[data-index="${index}"]`);

test('1,200 members: scrolling to the end and back refetches the pages left behind; a tick and "select all matching" survive it', async ({ page, roster }) => {
  // Inviting 1,200 and scrolling through 24 pages takes minutes on a shared machine.
  test.setTimeout(360_000);
  await registerOwner(page);
  const roles = await api<{ id: number; builtin: string | null }[]>(page.request, roster.baseURL, 'roles.list', undefined, 'query');
  const member = roles.find((r) => r.builtin === 'member')!.id;
  await api(page.request, roster.baseURL, 'members.invite', { entries: Array.from({ length: N }, (_, i) => ({ email: email(i) })), grants: { roleIds: [member] } });
  await page.reload();
  await expect(page.getByTestId('members-range')).toHaveText(/^1–\d+ of 1,201$/);

  // Newest first: the last invited is the first row. Tick it.
  const firstEmail = (await rowAt(page, 0).getAttribute('aria-label'))!;
  await rowAt(page, 0).getByRole('checkbox').check();

  // To the end: every page on the way is loaded, the first ones dropped behind.
  await expect(async () => {
    await scroller(page).evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await expect(page.getByTestId('members-range')).toHaveText(/–1,201 of 1,201$/, { timeout: 1_000 });
  }).toPass({ timeout: 90_000 });
  await expect(table(page).getByRole('row', { name: OWNER.email })).toBeVisible();
  // Row elements are reused as rows scroll by: the focus left in the ticked box did not follow its
  // element to another member (a Space now would tick someone else).
  await expect(rowAt(page, 0)).toHaveCount(0);
  const focusedIn = await page.evaluate(() => document.activeElement?.closest('tr')?.getAttribute('aria-label') ?? null);
  expect(focusedIn === null || focusedIn === firstEmail, `focus in the row of ${focusedIn}`).toBe(true);

  // Back to the top in one move (the scrollbar dragged up): the first page is asked for again and its rows come back.
  const asked: string[] = [];
  const onRequest = (r: Request) => r.url().includes('members.list') && asked.push(r.url());
  page.on('request', onRequest);
  await scroller(page).evaluate((el) => el.scrollTo({ top: 0 }));
  await expect(rowAt(page, 0)).toHaveAttribute('aria-label', firstEmail);
  page.off('request', onRequest);
  expect(asked.length).toBeGreaterThan(0);
  // The tick was on the member, not on a row of the page: it is still there.
  await expect(rowAt(page, 0).getByRole('checkbox')).toBeChecked();
  await expect(page.getByRole('region', { name: 'Bulk actions' })).toContainText('1 selected');

  // Row by row down from the top, the rows follow each other without a gap (pages refetched in order).
  for (let step = 0; step < 30; step++) await scroller(page).evaluate((el) => (el.scrollTop += 1_000));
  await expect(async () => {
    const labels = await table(page).locator('tr[data-index]').evaluateAll((rows) => rows.map((r) => [Number((r as HTMLElement).dataset.index), r.getAttribute('aria-label')] as const));
    expect(labels.length).toBeGreaterThan(10);
    for (const [index, label] of labels) expect(label, `row ${index}`).toMatch(/@acme\.test$/);
  }).toPass({ timeout: 30_000 });

  // Select all matching: every member, loaded or not.
  await scroller(page).evaluate((el) => el.scrollTo({ top: 0 }));
  await page.getByRole('button', { name: 'Clear selection' }).first().click();
  await page.getByRole('checkbox', { name: 'Select all shown' }).check();
  await page.getByRole('button', { name: 'Select all 1,201 matching' }).click();
  await expect(page.getByRole('region', { name: 'Bulk actions' })).toContainText('1,201 selected');
});
