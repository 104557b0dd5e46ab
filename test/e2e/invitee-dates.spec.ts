import { api, expect, registerOwner, test } from './fixtures';

test("the invitee page shows the link's expiry in the organization's time zone, as people write it", async ({ page, roster, browser }) => {
  await registerOwner(page);
  const settings = await api<Record<string, unknown>>(page.request, roster.baseURL, 'organizations.settings', undefined, 'query');
  await api(page.request, roster.baseURL, 'organizations.updateSettings', { ...settings, timeZone: 'Europe/Paris' });
  const roles = await api<{ id: number; name: string }[]>(page.request, roster.baseURL, 'roles.list', undefined, 'query');
  const invited = await api<{ invited: { memberId: number }[] }>(page.request, roster.baseURL, 'members.invite', {
    entries: [{ email: 'chloe@acme.test', name: 'Chloé Garcia' }],
    grants: { roleIds: [roles.find((r) => r.name === 'Member')!.id] },
  });
  const { url } = await api<{ url: string }>(page.request, roster.baseURL, 'members.copyInviteLink', { id: invited.invited[0]!.memberId });

  for (const colorScheme of ['light', 'dark'] as const) {
    const context = await browser.newContext({ colorScheme });
    const invitee = await context.newPage();
    await invitee.goto(url);
    await expect(invitee.getByRole('heading', { name: 'Join Acme Robotics' })).toBeVisible();
    // "Thursday 10 December 2026, 18:57 (Europe/Paris)": weekday, day, month, year, 24-hour time, zone.
    await expect(invitee.getByText(/^[A-Z][a-z]+day \d{1,2} [A-Z][a-z]+ \d{4}, \d{2}:\d{2} \(Europe\/Paris\)$/)).toBeVisible();
    await expect(invitee.getByText(/GMT/)).toHaveCount(0);
    await invitee.screenshot({ path: `test-results/screens/invitee-expiry-${colorScheme}-1280.png`, fullPage: true });
    await context.close();
  }
});
