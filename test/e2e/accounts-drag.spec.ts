import { expect, OWNER, registerOwner, test } from './fixtures';

test('sub-accounts move by drag and drop: onto another account, onto the top level; cycles and sibling duplicates are refused', async ({ page }) => {
  await registerOwner(page);
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Accounts', exact: true }).click();
  const create = async (name: string) => {
    await page.getByRole('textbox', { name: 'New sub-account' }).fill(name);
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await expect(page.getByRole('listitem', { name, exact: true })).toHaveCount(1);
  };
  await create('France');
  await create('Paris');
  const item = (name: string) => page.getByRole('listitem', { name, exact: true });
  const pathOf = (name: string, path: string) => item(name).getByTitle(path, { exact: true });

  // Onto another account: moved under it.
  await item('Paris').dragTo(item('France'));
  await expect(page.getByText('Sub-account moved')).toBeVisible();
  await expect(pathOf('Paris', `${OWNER.organization} / France / Paris`)).toBeVisible();

  // Under its own sub-account: refused, nothing moves.
  await item('France').dragTo(item('Paris'));
  const refusal = page.getByRole('alert').filter({ hasText: 'Not moved' });
  await expect(refusal).toContainText('France cannot go under Paris: Paris is inside France.');
  await expect(pathOf('France', `${OWNER.organization} / France`)).toBeVisible();

  // A sibling with the same name at the top level: the server refuses the move, the toast says why.
  await create('PARIS');
  await item('Paris').dragTo(page.getByRole('region', { name: 'Top level' }));
  await expect(page.getByRole('alert').filter({ hasText: `already has a sub-account called` })).toBeVisible();
  await expect(pathOf('Paris', `${OWNER.organization} / France / Paris`)).toBeVisible();

  // Onto the top level: back directly under the company account.
  await create('Lyon');
  await item('Lyon').dragTo(item('France'));
  await expect(pathOf('Lyon', `${OWNER.organization} / France / Lyon`)).toBeVisible();
  await page.screenshot({ path: 'test-results/screens/accounts-drag-1280.png' });
  await item('Lyon').dragTo(page.getByRole('region', { name: 'Top level' }));
  await expect(pathOf('Lyon', `${OWNER.organization} / Lyon`)).toBeVisible();
});
