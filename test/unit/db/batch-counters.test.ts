import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as m0015 from '../../../src/main/db/migrations/0015_statement_counters';
import { createEnv, registerOwner, roleId, type Caller, type TestEnv } from '../helpers';

/**
 * The counters behind the status tabs and the accounts and roles pages after large statements: on
 * PostgreSQL they are kept by statement-level triggers (migration 0015) that add up a whole batch at
 * once, on SQLite by row triggers. Either way a 20,000-address batch, then cancelling and deleting
 * 1,000 of them at once, must leave every counter equal to a fresh count over every member.
 */
describe('counters after a large batch', () => {
  let env: TestEnv;
  let owner: Caller;
  let organizationId: number;

  beforeAll(async () => {
    env = await createEnv();
    const o = await registerOwner(env);
    owner = o.caller;
    organizationId = o.organizationId;
  });
  afterAll(async () => {
    await env.close();
  });

  /** What the tabs, the accounts page and the roles page show, against counting over every member. */
  async function expectCountsTrue(): Promise<{ tabs: Record<string, number>; accounts: Record<string, number>; roles: Record<string, number> }> {
    const db = env.store.db;
    const byStatus = await sql<{ status: string; n: number | string }>`SELECT status, count(*) AS n FROM member WHERE organization_id = ${organizationId} GROUP BY status`.execute(db);
    const truth = Object.fromEntries(byStatus.rows.map((r) => [r.status, Number(r.n)]));
    const tabs = await owner.members.counts();
    for (const [status, n] of Object.entries(tabs)) expect(n, `tab ${status}`).toBe(truth[status] ?? 0);
    const live = sql.raw("member.status <> 'deleted'");
    const accountTruth = await sql<{ id: number; n: number | string }>`SELECT a.id AS id, (SELECT count(*) FROM (SELECT member_id FROM member_account WHERE account_id = a.id
        UNION SELECT member_id FROM member_role WHERE account_id = a.id UNION SELECT member_id FROM member_permission WHERE account_id = a.id) t
        JOIN member ON member.id = t.member_id WHERE ${live}) AS n FROM account a`.execute(db);
    const roleTruth = await sql<{ id: number; n: number | string }>`SELECT r.id AS id, (SELECT count(DISTINCT mr.member_id) FROM member_role mr JOIN member ON member.id = mr.member_id
        WHERE mr.role_id = r.id AND ${live}) AS n FROM role r`.execute(db);
    const accounts = await owner.accounts.list();
    const roles = await owner.roles.list();
    const a = new Map(accountTruth.rows.map((r) => [r.id, Number(r.n)]));
    const r = new Map(roleTruth.rows.map((x) => [x.id, Number(x.n)]));
    for (const x of accounts) expect(x.members, `account ${x.name}`).toBe(a.get(x.id));
    for (const x of roles) expect(x.members, `role ${x.name}`).toBe(r.get(x.id));
    return { tabs, accounts: Object.fromEntries(accounts.map((x) => [x.name, x.members])), roles: Object.fromEntries(roles.map((x) => [x.name, x.members])) };
  }

  it('a 20,000-address batch, then 1,000 cancelled and deleted at once, leave every counter equal to a fresh count', async () => {
    const sales = (await owner.accounts.create({ name: 'Sales' })).id;
    const member = await roleId(owner, 'Member');
    // Every fourth address also gets Admin (CSV role column): two role sets in one batch.
    const entries = Array.from({ length: 20_000 }, (_, i) => ({ email: `p${i}@big${i % 7}.test`, name: `Person ${i}`, role: i % 4 === 0 ? 'Admin' : null }));
    const r = await owner.members.invite({ entries, grants: { roleIds: [member], accountIds: [sales], permissions: [] }, resendExisting: false, csvRole: 'add' });
    expect(r.invited).toHaveLength(20_000);
    let shown = await expectCountsTrue();
    expect(shown.tabs.pending).toBe(20_000);
    expect(shown.accounts).toMatchObject({ Acme: 20_001, Sales: 20_000 });
    expect(shown.roles).toMatchObject({ Member: 20_000, Admin: 5_000, Owner: 1 });

    const ids = r.invited.slice(0, 1_000).map((m) => m.memberId);
    await owner.members.cancel({ ids });
    shown = await expectCountsTrue();
    expect(shown.tabs).toMatchObject({ pending: 19_000, cancelled: 1_000 });
    await owner.members.delete({ ids });
    shown = await expectCountsTrue();
    expect(shown.accounts).toMatchObject({ Acme: 19_001, Sales: 19_000 });
    expect(shown.roles).toMatchObject({ Member: 19_000, Admin: 4_750 });
  }, 600_000);

  it('undoing migration 0015 puts back the row triggers, which keep counting; redoing it keeps the counts', async () => {
    const member = await roleId(owner, 'Member');
    const batch = (from: number, n: number) =>
      owner.members.invite({ entries: Array.from({ length: n }, (_, i) => ({ email: `u${from + i}@undo.test` })), grants: { roleIds: [member], accountIds: [], permissions: [] }, resendExisting: false });
    const before = await expectCountsTrue();
    await m0015.down(env.store.db);
    const r = await batch(0, 3);
    await owner.members.cancel({ ids: [r.invited[0]!.memberId] });
    let shown = await expectCountsTrue();
    expect(shown.roles.Member).toBe(before.roles.Member! + 3);
    await m0015.up(env.store.db);
    await batch(3, 2);
    shown = await expectCountsTrue();
    expect(shown.roles.Member).toBe(before.roles.Member! + 5);
  }, 120_000);
});
