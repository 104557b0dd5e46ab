import { expect, inviteByChips, registerOwner, test, OWNER } from './fixtures';

test('the first person registers the organization, invites two people and sees them Pending', { tag: '@desktop' }, async ({ page }) => {
  await registerOwner(page);
  await inviteByChips(page, ['grace@acme.test', 'linus@acme.test']);

  const table = page.getByRole('table', { name: 'Members' });
  for (const email of ['grace@acme.test', 'linus@acme.test']) {
    const row = table.getByRole('row', { name: email });
    await expect(row).toBeVisible();
    await expect(row).toContainText('Pending');
  }
  await expect(page.getByRole('tab', { name: /Pending/ })).toContainText('2');
  // The side panel opens from the keyboard too.
  await table.getByRole('button', { name: 'grace@acme.test', exact: true }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('dialog', { name: 'grace@acme.test' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog', { name: 'grace@acme.test' })).toHaveCount(0);
  await page.screenshot({ path: 'test-results/screens/members-1280.png', fullPage: true });
});

test('sign out, then sign in again with email and password; a wrong password is refused with a clear message', { tag: '@desktop' }, async ({ page }) => {
  await registerOwner(page);
  await page.getByRole('button', { name: 'Account menu' }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();

  await page.getByRole('textbox', { name: 'Email' }).fill(OWNER.email);
  await page.getByRole('textbox', { name: 'Password' }).fill('not the right password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('The email or password is wrong.');

  await page.getByRole('textbox', { name: 'Password' }).fill(OWNER.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Members' })).toBeVisible();
});

test('registration is never offered again once an Owner exists', async ({ page, roster }) => {
  await registerOwner(page);
  const second = await page.context().browser()!.newContext();
  const other = await second.newPage();
  await other.goto(roster.baseURL);
  await expect(other.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(other.getByRole('heading', { name: 'Set up your organization' })).toHaveCount(0);
  await second.close();
});

test('the console locks after the idle time and says so on the sign-in page', async ({ page, roster }) => {
  await registerOwner(page);
  await roster.advanceClock(16 * 60 * 1000);
  // The next call finds the session locked: ours, or a refresh that got there first.
  const audit = page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Audit' });
  if (await audit.isVisible()) await audit.click({ timeout: 5_000 }).catch(() => undefined);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  // Signing in again returns to the screen the console was on when it locked (Audit if our click got there first).
  const lockedOn = page.url().includes('#/audit') ? 'Audit' : 'Members';
  await expect(page.getByRole('status')).toContainText('The console locked after 15 minutes without activity');
  await page.screenshot({ path: 'test-results/screens/signin-locked-1280.png' });
  await page.getByRole('textbox', { name: 'Email' }).fill(OWNER.email);
  await page.getByRole('textbox', { name: 'Password' }).fill(OWNER.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: lockedOn })).toBeVisible();
});

test('an Owner creates a second organization and switches between them; membership is per organization', { tag: '@desktop' }, async ({ page }) => {
  await registerOwner(page);
  await inviteByChips(page, ['grace@acme.test']);
  await page.getByRole('button', { name: 'Account menu' }).click();
  await page.getByRole('menuitem', { name: 'New organization…' }).click();
  const dialog = page.getByRole('dialog', { name: 'New organization' });
  await dialog.getByRole('textbox', { name: 'Organization name' }).fill('Beta Labs');
  await page.screenshot({ path: 'test-results/screens/new-organization-1280.png', animations: 'disabled' });
  await dialog.getByRole('button', { name: 'Create organization' }).click();
  await expect(page.getByRole('combobox', { name: 'Organization' })).toHaveValue('Beta Labs');
  await expect(page.getByText('1 person in Beta Labs')).toBeVisible();
  await expect(page.getByRole('table', { name: 'Members' }).getByRole('row', { name: 'grace@acme.test' })).toHaveCount(0);

  await page.getByRole('combobox', { name: 'Organization' }).click();
  await page.getByRole('option', { name: OWNER.organization }).click();
  await expect(page.getByText(`2 people in ${OWNER.organization}`)).toBeVisible();
  await expect(page.getByRole('table', { name: 'Members' }).getByRole('row', { name: 'grace@acme.test' })).toBeVisible();
});

test('a pending invitation’s address and name are corrected in the side panel', async ({ page }) => {
  await registerOwner(page);
  await inviteByChips(page, ['grce@acme.test']);
  const table = page.getByRole('table', { name: 'Members' });
  await table.getByRole('button', { name: 'grce@acme.test', exact: true }).click();
  const panel = page.getByRole('dialog', { name: 'grce@acme.test' });
  await panel.getByRole('textbox', { name: 'Email' }).fill('grace@acme.test');
  await panel.getByRole('textbox', { name: 'Name' }).fill('Grace Hopper');
  await page.screenshot({ path: 'test-results/screens/member-edit-1280.png', animations: 'disabled' });
  await panel.getByRole('button', { name: 'Save details' }).click();
  await expect(page.getByText('a new invitation link went to grace@acme.test')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(table.getByRole('row', { name: 'grace@acme.test' })).toContainText('Grace Hopper');
  await expect(table.getByRole('row', { name: 'grce@acme.test' })).toHaveCount(0);

  // The Owner's own address is fixed: it was accepted at registration.
  await table.getByRole('button', { name: OWNER.name }).click();
  await expect(page.getByRole('dialog', { name: OWNER.name }).getByRole('textbox', { name: 'Email' })).toBeDisabled();
});
