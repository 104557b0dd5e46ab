import { readFileSync } from 'node:fs';
import { api, expect, registerOwner, test } from './fixtures';


test('audit: filters by action, target and dates live in the address, each entry shows before → after, the export follows the filters', async ({ page, roster }) => {
  await registerOwner(page);
  const roles = await api<{ id: number; builtin: string | null }[]>(page.request, roster.baseURL, 'roles.list', undefined, 'query');
  const member = roles.find((r) => r.builtin === 'member')!.id;
  await api(page.request, roster.baseURL, 'members.invite', { entries: ['zoe@acme.test', 'yann@acme.test', 'xia@acme.test'].map((email) => ({ email })), grants: { roleIds: [member] } });
  await api(page.request, roster.baseURL, 'members.bulk.cancel', { selection: { filter: { search: 'zoe' } } });

  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Audit' }).click();
  const log = page.getByRole('table', { name: 'Audit log' });
  await expect(log.getByRole('row')).toHaveCount(7); // header, organization, Owner, three invitations, one cancel

  await page.getByRole('textbox', { name: 'Target' }).fill('zoe@');
  await expect(log.getByRole('row')).toHaveCount(3);
  await page.getByRole('combobox', { name: 'Action' }).click();
  await page.getByRole('option', { name: 'Invitation cancelled' }).click();
  await expect(log.getByRole('row')).toHaveCount(2);
  await expect(log.getByRole('row').nth(1)).toContainText('status: pending → cancelled');

  const today = await page.evaluate(() => new Date().toLocaleDateString('sv-SE'));
  await page.getByLabel('From', { exact: true }).fill(today);
  await expect(page).toHaveURL(/target=zoe%40/);
  await expect(page).toHaveURL(/action=member\.cancel/);
  await expect(page).toHaveURL(new RegExp(`from=${today}`));
  await page.reload();
  await expect(log.getByRole('row')).toHaveCount(2);
  await expect(page.getByRole('textbox', { name: 'Target' })).toHaveValue('zoe@');

  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export CSV' }).click();
  const bytes = readFileSync(await (await download).path());
  // UTF-8 with a byte order mark: Excel reads the arrow and accented names right only with it.
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const csv = bytes.toString('utf8').trim().split(/\r?\n/);
  expect(csv).toHaveLength(2);
  expect(csv[1]).toContain('zoe@acme.test');
  expect(csv[1]).toContain('status: pending → cancelled');

  // A day with nothing in it shows nothing.
  await page.getByLabel('From', { exact: true }).fill('2020-01-01');
  await page.getByLabel('To', { exact: true }).fill('2020-01-02');
  await expect(page.getByText('No changes match')).toBeVisible();
});
