import type { Page } from '@playwright/test';
import { api, expect, inviteByChips, registerOwner, test } from './fixtures';

/**
 * Issue 15's "every action reachable without a mouse", on every section of the console, not only the
 * flows keyboard.spec.ts walks: whatever shows a pointer cursor (so it reacts to a click) must be
 * focusable by Tab itself, sit inside something that is, be the label of a field, or be an item of a
 * composite widget (tabs, tree, menu, grid…) whose keys move between its items. A clickable <div>
 * with no tabindex fails here by name.
 */
async function clickableButNotFocusable(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const focusable = 'a[href], button, input, select, textarea, summary, [tabindex]';
    const composite = '[role=tablist], [role=radiogroup], [role=menu], [role=listbox], [role=tree], [role=grid], [role=treegrid], [role=table], [role=rowgroup]';
    const reachable = (el: Element): boolean => {
      const host = el.closest<HTMLElement>(focusable);
      if (host && !host.hasAttribute('disabled') && (host.tabIndex >= 0 || host.closest(composite))) return true;
      const label = el.closest('label');
      return !!label && !!(label.control || label.querySelector('input, textarea, select'));
    };
    const found: string[] = [];
    for (const el of document.querySelectorAll<HTMLElement>('header *, nav *, main *')) {
      if (getComputedStyle(el).cursor !== 'pointer') continue;
      // Only the outermost element of a clickable area (children inherit its cursor).
      if (el.parentElement && getComputedStyle(el.parentElement).cursor === 'pointer') continue;
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0 || !el.checkVisibility()) continue;
      if (reachable(el)) continue;
      // A number field's stepper buttons: ArrowUp/ArrowDown in the field (which Tab reaches) do the same.
      if (el.closest('.mantine-NumberInput-controls')) continue;
      const name = (el.getAttribute('aria-label') || el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 60);
      found.push(`<${el.tagName.toLowerCase()}${el.getAttribute('role') ? ` role=${el.getAttribute('role')}` : ''}> "${name}"`);
    }
    return found;
  });
}

test('every clickable thing on every section can be reached with the keyboard', async ({ page, roster }) => {
  await registerOwner(page);
  // Something on each screen: members in the table, a sub-account in the tree, entries in the log.
  await inviteByChips(page, ['kim@example.org', 'lee@example.org']);
  await api(page.request, roster.baseURL, 'accounts.create', { name: 'France' });

  const sections = page.getByRole('navigation', { name: 'Sections' }).getByRole('link');
  const names = await sections.allInnerTexts();
  expect(names.length).toBeGreaterThanOrEqual(6);
  const problems: string[] = [];
  for (const name of names) {
    await sections.filter({ hasText: name }).first().click();
    await expect(page.getByRole('main').getByRole('heading').first()).toBeVisible();
    // Let the section's queries land (their content is what is checked).
    await expect(page.getByRole('main').getByText(/^Loading/)).toHaveCount(0);
    for (const p of await clickableButNotFocusable(page)) problems.push(`${name}: ${p}`);
  }
  expect(problems, 'clickable but not reachable by Tab').toEqual([]);
});
