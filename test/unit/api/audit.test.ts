import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../../src/main/core/clock';
import { invite, inviteLinkToken, OWNER_EMAIL, PASSWORD, roleId, signedIn, type Caller } from '../helpers';
import { inviteeDoor } from '../invitee-door';
import { createMailEnv, type MailEnv } from '../mail/smtp';

/** The audit log at scale: keyset pages through all of it, filters, before → after, and exports that write one row. */
describe('audit log', () => {
  let env: MailEnv;
  let owner: Caller;
  let admin: Caller;
  let start: string;
  let dayTwo: string;

  beforeAll(async () => {
    env = await createMailEnv(null);
    owner = env.caller();
    await owner.auth.register({ organizationName: 'Acme', email: OWNER_EMAIL, password: PASSWORD });
    start = env.clock.now().toISOString();
    const member = await roleId(owner, 'Member');
    await owner.members.invite({ entries: Array.from({ length: 250 }, (_, i) => ({ email: `p${String(i).padStart(3, '0')}@acme.test` })), grants: { roleIds: [member] } });
    const adminId = await invite(owner, 'admin@acme.test', 'Admin');
    await inviteeDoor(env).accept({ token: await inviteLinkToken(owner, adminId), password: PASSWORD });
    env.clock.advance(DAY_MS);
    dayTwo = env.clock.now().toISOString();
    // A day later the console has locked: both sign in again.
    owner = await signedIn(env as unknown as Parameters<typeof signedIn>[0], OWNER_EMAIL);
    admin = await signedIn(env as unknown as Parameters<typeof signedIn>[0], 'admin@acme.test');
    const ids = (await owner.members.list({ search: 'p00', limit: 10 })).items.map((m) => m.id);
    await admin.members.bulk.cancel({ selection: { ids } });
  });
  afterAll(async () => {
    await env.close();
  });

  it('pages through the whole log by keyset, newest first, with no row twice and none missed', async () => {
    const seen: number[] = [];
    let beforeId: number | undefined;
    for (;;) {
      const page = await owner.audit.list({ beforeId, limit: 100 });
      seen.push(...page.map((r) => r.id));
      if (page.length < 100) break;
      beforeId = page[page.length - 1]!.id;
    }
    expect(seen.length).toBeGreaterThan(260);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort((a, b) => b - a)).toEqual(seen);
    const total = Number((await env.store.db.selectFrom('audit').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    expect(seen.length).toBe(total);
  });

  it('filters by date range, actor, action and target, and shows each change before → after', async () => {
    const later = await owner.audit.list({ from: dayTwo, limit: 1000 });
    expect(later.map((r) => r.action)).toEqual(Array(10).fill('member.cancel'));
    const first = await owner.audit.list({ from: start, to: dayTwo, action: 'member.invite', limit: 1000 });
    expect(first.length).toBe(251);

    const byAdmin = await owner.audit.list({ actor: 'admin@', limit: 1000 });
    // The admin accepted their own invitation, then cancelled ten.
    expect(byAdmin.map((r) => r.action).sort()).toEqual(['member.accept', ...Array(10).fill('member.cancel')]);
    expect(new Set(byAdmin.map((r) => r.actor))).toEqual(new Set(['admin@acme.test', 'admin@acme.test (invitee)']));

    const [one] = await owner.audit.list({ target: 'p003@', action: 'member.cancel' });
    expect(one).toMatchObject({ actor: 'admin@acme.test', target: 'p003@acme.test' });
    expect(JSON.parse(one!.before!)).toMatchObject({ status: 'pending' });
    expect(JSON.parse(one!.after!)).toMatchObject({ status: 'cancelled' });

    // "_" and "%" in a filter match themselves.
    expect(await owner.audit.list({ target: 'p_03' })).toEqual([]);
  });

  it('exporting every pending link writes ONE audit row that says how many', async () => {
    const before = await owner.audit.list({ limit: 1 });
    const out = await owner.mail.exportPendingLinks();
    expect(out.count).toBe(240);
    const after = await owner.audit.list({ limit: 10 });
    const added = after.filter((r) => r.id > before[0]!.id);
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ action: 'member.export_links', actor: OWNER_EMAIL, target: '240 invitation links' });
    expect(JSON.parse(added[0]!.after!).count).toBe(240);
  });
});
