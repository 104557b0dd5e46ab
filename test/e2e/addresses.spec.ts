import type { Page } from '@playwright/test';
import { api, expect, OWNER, registerOwner, test } from './fixtures';


/** Invites through the router in one batch (the same command the Invite dialog sends). */
async function seedInvites(page: Page, baseURL: string, entries: { email: string; name?: string; phone?: string }[]): Promise<void> {
  const roles = await api<{ id: number; builtin: string | null }[]>(page.request, baseURL, 'roles.list', undefined, 'query');
  const member = roles.find((r) => r.builtin === 'member')!.id;
  await api(page.request, baseURL, 'members.invite', { entries, grants: { roleIds: [member] } });
}

const table = (page: Page) => page.getByRole('table', { name: 'Members' });
const row = (page: Page, email: string) => table(page).getByRole('row', { name: email });
const search = (page: Page) => page.getByRole('textbox', { name: 'Search' });
const sections = (page: Page) => page.getByRole('navigation', { name: 'Sections' });

test('tab, search and open panel have an address: reload keeps them, Back returns, a row click or Enter opens the panel', async ({ page, roster }) => {
  await registerOwner(page);
  await seedInvites(page, roster.baseURL, [{ email: 'dan@acme.test' }, { email: 'danielle@acme.test' }, { email: 'eve@acme.test' }]);
  await page.reload();

  // The side menu entries are links, with the current one marked.
  await expect(sections(page).getByRole('link', { name: 'Members' })).toHaveAttribute('aria-current', 'page');
  await expect(sections(page).getByRole('link', { name: 'Audit' })).toHaveAttribute('href', '#/audit');

  await page.getByRole('tab', { name: /Pending/ }).click();
  await expect(page).toHaveURL(/#\/members\?status=pending$/);
  await search(page).fill('dan');
  await expect(page).toHaveURL(/#\/members\?status=pending&q=dan$/);
  await expect(row(page, 'dan@acme.test')).toBeVisible();
  await expect(row(page, 'danielle@acme.test')).toBeVisible();
  await expect(row(page, 'eve@acme.test')).toHaveCount(0);

  // A click anywhere on the row (here its date cell, not the name) opens the panel.
  await row(page, 'danielle@acme.test').getByRole('cell').nth(5).click();
  const panel = page.getByRole('dialog', { name: 'danielle@acme.test' });
  await expect(panel).toBeVisible();
  await expect(page).toHaveURL(/&member=\d+$/);

  // Reload: same tab, same search, same panel.
  await page.reload();
  await expect(page.getByRole('dialog', { name: 'danielle@acme.test' })).toBeVisible();
  await expect(page.getByRole('tab', { name: /Pending/ })).toHaveAttribute('aria-selected', 'true');
  await expect(search(page)).toHaveValue('dan');
  await expect(row(page, 'eve@acme.test')).toHaveCount(0);
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog', { name: 'danielle@acme.test' })).toHaveCount(0);
  await expect(page).toHaveURL(/#\/members\?status=pending&q=dan$/);

  // Checkbox and ⋯ menu keep their own clicks: no panel.
  await row(page, 'dan@acme.test').getByRole('checkbox', { name: 'Select dan@acme.test' }).check();
  await expect(page.getByRole('region', { name: 'Bulk actions' })).toContainText('1 selected');
  await expect(page.getByRole('dialog')).toHaveCount(0);

  // Keyboard: Enter on a focused row opens it; arrow keys move between rows.
  await row(page, 'dan@acme.test').focus();
  await page.keyboard.press('ArrowUp');
  await expect(row(page, 'danielle@acme.test')).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(row(page, 'dan@acme.test')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('dialog', { name: 'dan@acme.test' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog', { name: 'dan@acme.test' })).toHaveCount(0);

  // Another section, then Back: the members screen as it was; Forward: the other section again.
  await sections(page).getByRole('link', { name: 'Audit' }).click();
  await expect(page.getByRole('heading', { name: 'Audit' })).toBeVisible();
  await expect(page).toHaveURL(/#\/audit$/);
  await page.goBack();
  await expect(page.getByRole('heading', { name: 'Members' })).toBeVisible();
  await expect(page.getByRole('tab', { name: /Pending/ })).toHaveAttribute('aria-selected', 'true');
  await expect(search(page)).toHaveValue('dan');
  await expect(row(page, 'eve@acme.test')).toHaveCount(0);
  await page.goForward();
  await expect(page.getByRole('heading', { name: 'Audit' })).toBeVisible();
  await page.goBack();
  // Back once more: the panel that was open before.
  await page.goBack();
  await expect(page.getByRole('dialog', { name: 'dan@acme.test' })).toBeVisible();
});

test('a deep link opened while signed out shows that screen after sign-in', async ({ page, roster }) => {
  await registerOwner(page);
  await seedInvites(page, roster.baseURL, [{ email: 'dan@acme.test' }, { email: 'eve@acme.test' }, { email: 'evan@acme.test' }]);
  await api(page.request, roster.baseURL, 'members.cancel', { ids: [(await api<{ items: { id: number }[] }>(page.request, roster.baseURL, 'members.list', { search: 'evan@' }, 'query')).items[0]!.id] });
  await page.getByRole('button', { name: 'Account menu' }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();

  await page.goto(`${roster.baseURL}/#/members?status=pending&q=ev`);
  await page.getByRole('textbox', { name: 'Email' }).fill(OWNER.email);
  await page.getByRole('textbox', { name: 'Password' }).fill(OWNER.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Members' })).toBeVisible();
  await expect(page.getByRole('tab', { name: /Pending/ })).toHaveAttribute('aria-selected', 'true');
  await expect(search(page)).toHaveValue('ev');
  await expect(row(page, 'eve@acme.test')).toContainText('Pending');
  // Evan matches the search but was cancelled; Dan is pending but does not match.
  await expect(row(page, 'evan@acme.test')).toHaveCount(0);
  await expect(row(page, 'dan@acme.test')).toHaveCount(0);
  await expect(page).toHaveURL(/#\/members\?status=pending&q=ev$/);
});

test('four hundred members: the DOM holds only the rows in view, pages load as the admin scrolls; screens at 1280×800 and 1920×1080, light and dark', async ({ page, roster }) => {
  test.setTimeout(120_000);
  await registerOwner(page);
  const first = ['Ann', 'Bob', 'Cleo', 'Dmitri', 'Esperanza', 'Fumiko', 'Gareth', 'Hiroshi', 'Ines', 'Jamal'];
  const last = ['Okafor', 'Lindqvist', 'Nakamura', 'García', 'Smith', 'Dubois', 'Kowalski', 'Haddad'];
  await seedInvites(
    page,
    roster.baseURL,
    Array.from({ length: 400 }, (_, i) => ({
      email: `person${String(i).padStart(3, '0')}@acme.test`,
      ...(i % 4 !== 3 ? { name: `${first[i % first.length]} ${last[i % last.length]}` } : {}),
      ...(i % 3 === 0 ? { phone: `+1 415 555 01${String(i % 100).padStart(2, '0')}` } : {}),
    })),
  );
  await page.reload();
  await expect(page.getByTestId('members-range')).toHaveText(/^1–\d+ of 401$/);

  const rendered = () => table(page).getByRole('row').count();
  expect(await rendered()).toBeLessThan(45);
  // Compact rows: at least a dozen fully in view at 1280×800.
  const fullyVisible = () =>
    page.getByTestId('Members-scroller').evaluate((scroller) => {
      const box = scroller.getBoundingClientRect();
      return [...scroller.querySelectorAll('tbody [role="row"]')].filter((r) => {
        const b = r.getBoundingClientRect();
        return b.top >= box.top && b.bottom <= box.bottom + 1;
      }).length;
    });
  expect(await fullyVisible()).toBeGreaterThanOrEqual(12);
  await expect(row(page, 'person399@acme.test')).toContainText('+1 415 555 0199');
  await page.screenshot({ path: 'test-results/screens/members-400-1280.png' });
  await page.getByRole('button', { name: 'Toggle color theme' }).click();
  // Away from the theme button, so its tooltip is not in the pictures.
  await page.mouse.move(640, 790);
  await page.screenshot({ path: 'test-results/screens/members-400-dark-1280.png' });
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.screenshot({ path: 'test-results/screens/members-400-dark-1920.png' });
  await page.getByRole('button', { name: 'Toggle color theme' }).click();
  await page.mouse.move(960, 1070);
  await page.screenshot({ path: 'test-results/screens/members-400-1920.png' });

  // Scroll to the end: the next keyset pages arrive as needed; the DOM stays bounded.
  const scroller = page.getByTestId('Members-scroller');
  await expect(async () => {
    await scroller.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await expect(page.getByTestId('members-range')).toHaveText(/–401 of 401$/, { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await expect(row(page, OWNER.email)).toBeVisible();
  expect(await rendered()).toBeLessThan(50);
  await page.screenshot({ path: 'test-results/screens/members-400-end-1920.png' });

  // The Owner's own row in a selection: bulk buttons say why they cannot act.
  await row(page, OWNER.email).getByRole('checkbox', { name: `Select ${OWNER.email}` }).check();
  const bar = page.getByRole('region', { name: 'Bulk actions' });
  const deactivate = bar.getByRole('button', { name: 'Deactivate' });
  await expect(deactivate).toBeDisabled();
  await expect(deactivate).toHaveAccessibleDescription('You cannot deactivate yourself: unselect your own row.');
  await expect(bar.getByRole('button', { name: 'Apply role' })).toHaveAccessibleDescription('Choose a role first.');
  await deactivate.hover();
  await expect(page.getByRole('tooltip')).toHaveText('You cannot deactivate yourself: unselect your own row.');
});
