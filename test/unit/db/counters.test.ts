import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnv, invite, registerOwner, roleId, type Caller, type TestEnv } from '../helpers';

/**
 * The account and role member counts are counters kept by triggers (migration 0008). After every
 * kind of change an admin can make, the pages must show what counting over every member shows.
 */
describe('account and role member counters', () => {
  let env: TestEnv;
  let owner: Caller;
  let rootId: number;
  let sales: number;
  let paris: number;
  let ops: number;

  /** What the counts are by definition: distinct live members tied to each account / holding each role. */
  async function truth(): Promise<{ accounts: Map<number, number>; roles: Map<number, number> }> {
    const live = sql.raw("member.status <> 'deleted'");
    // Portable SQL (both stores); count(*) comes back as a string from PostgreSQL, hence Number().
    const accounts = await sql<{ id: number; n: number | string }>`SELECT a.id AS id, (SELECT count(*) FROM (SELECT member_id FROM member_account WHERE account_id = a.id UNION SELECT member_id FROM member_role WHERE account_id = a.id
           UNION SELECT member_id FROM member_permission WHERE account_id = a.id) t JOIN member ON member.id = t.member_id WHERE ${live}) AS n FROM account a`.execute(env.store.db);
    const roles = await sql<{ id: number; n: number | string }>`SELECT r.id AS id, (SELECT count(DISTINCT mr.member_id) FROM member_role mr JOIN member ON member.id = mr.member_id WHERE mr.role_id = r.id AND ${live}) AS n FROM role r`.execute(
      env.store.db,
    );
    return {
      accounts: new Map(accounts.rows.map((r) => [r.id, Number(r.n)])),
      roles: new Map(roles.rows.map((r) => [r.id, Number(r.n)])),
    };
  }

  /** The accounts and roles pages agree with the definition; returns the shown counts by name. */
  async function shown(): Promise<{ accounts: Record<string, number>; roles: Record<string, number> }> {
    const t = await truth();
    const accounts = await owner.accounts.list();
    const roles = await owner.roles.list();
    for (const a of accounts) expect(a.members, `account ${a.name}`).toBe(t.accounts.get(a.id));
    for (const r of roles) expect(r.members, `role ${r.name}`).toBe(t.roles.get(r.id));
    return { accounts: Object.fromEntries(accounts.map((a) => [a.name, a.members])), roles: Object.fromEntries(roles.map((r) => [r.name, r.members])) };
  }

  beforeAll(async () => {
    env = await createEnv();
    owner = (await registerOwner(env)).caller;
    rootId = (await owner.accounts.list())[0]!.id;
    sales = (await owner.accounts.create({ name: 'Sales' })).id;
    paris = (await owner.accounts.create({ name: 'Paris', parentId: sales })).id;
    ops = (await owner.accounts.create({ name: 'Ops' })).id;
  });
  afterAll(async () => {
    await env.close();
  });

  it('start with the Owner alone and new accounts and roles at zero', async () => {
    const s = await shown();
    expect(s.accounts).toEqual({ Acme: 1, Sales: 0, Paris: 0, Ops: 0 });
    expect(s.roles).toMatchObject({ Owner: 1, Admin: 0, Member: 0 });
  });

  it('count invited members once per account and role, however many grants tie them', async () => {
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await invite(owner, `m${i}@acme.test`, 'Member'));
    expect((await shown()).roles.Member).toBe(5);
    const admin = await roleId(owner, 'Admin');
    const member = await roleId(owner, 'Member');
    // m0: a role at Sales, a permission at Sales and access to Sales: one member of Sales.
    await owner.members.setAccess({ id: ids[0]!, roles: [{ roleId: member, accountId: sales }], permissions: [{ permission: 'audit.view', accountId: sales }], accountIds: [sales] });
    // m1: Member at two accounts: one holder of Member.
    await owner.members.setAccess({ id: ids[1]!, roles: [{ roleId: member, accountId: paris }, { roleId: member, accountId: ops }], accountIds: [paris, ops] });
    const s = await shown();
    expect(s.accounts.Sales).toBe(1);
    expect(s.accounts.Paris).toBe(1);
    expect(s.accounts.Ops).toBe(1);
    expect(s.roles).toMatchObject({ Admin: 0, Member: 5 });
    // Taking one of two ties keeps the member counted; taking the last removes it.
    await owner.members.setAccess({ id: ids[0]!, roles: [{ roleId: admin, accountId: sales }], permissions: [], accountIds: [] });
    expect((await shown()).roles).toMatchObject({ Admin: 1, Member: 4 });
    expect((await shown()).accounts.Sales).toBe(1);
    await owner.members.setAccess({ id: ids[0]!, roles: [{ roleId: member, accountId: rootId }], permissions: [], accountIds: [] });
    const after = await shown();
    expect(after.accounts.Sales).toBe(0);
    expect(after.roles).toMatchObject({ Admin: 0, Member: 5 });
  });

  it('follow deletions, cancellations and deactivations: only deleted members leave the counts', async () => {
    const page = await owner.members.list({ search: 'm1@acme' });
    const m1 = page.items[0]!.id;
    const m2 = (await owner.members.list({ search: 'm2@acme' })).items[0]!.id;
    await owner.members.cancel({ ids: [m2] });
    expect((await shown()).roles.Member).toBe(5);
    await owner.members.cancel({ ids: [m1] });
    await owner.members.delete({ ids: [m1, m2] });
    const s = await shown();
    expect(s.accounts.Paris).toBe(0);
    expect(s.accounts.Ops).toBe(0);
    expect(s.roles.Member).toBe(3);
  });

  it('follow an account move and an account deleted with its members moved', async () => {
    const id = await invite(owner, 'lead@acme.test', 'Member');
    await owner.members.setAccess({ id, roles: [{ roleId: await roleId(owner, 'Admin'), accountId: paris }], accountIds: [paris, ops] });
    await owner.accounts.move({ id: paris, parentId: ops });
    expect((await shown()).accounts).toMatchObject({ Paris: 1, Ops: 1 });
    // Access moves to Ops (kept once: the member already had it); the Admin role at Paris goes.
    await owner.accounts.delete({ id: paris, moveMembersTo: ops });
    const s = await shown();
    expect(s.accounts.Ops).toBe(1);
    expect(s.accounts.Paris).toBeUndefined();
    expect(s.roles.Admin).toBe(0);
    // Moved to an account where the member had nothing yet.
    const x = await invite(owner, 'x@acme.test', 'Member');
    await owner.members.setAccess({ id: x, roles: [{ roleId: await roleId(owner, 'Member'), accountId: rootId }], accountIds: [sales] });
    const berlin = (await owner.accounts.create({ name: 'Berlin' })).id;
    await owner.members.setAccess({ id: x, roles: [{ roleId: await roleId(owner, 'Member'), accountId: rootId }], accountIds: [berlin] });
    expect((await shown()).accounts).toMatchObject({ Berlin: 1, Sales: 0 });
    await owner.accounts.delete({ id: berlin, moveMembersTo: sales });
    expect((await shown()).accounts.Sales).toBe(1);
  });

  it('a role in use cannot be deleted (read from the counter); once free it can', async () => {
    const r = await owner.roles.create({ name: 'Auditor', permissions: ['audit.view'] });
    const y = await invite(owner, 'y@acme.test', 'Auditor');
    expect((await shown()).roles.Auditor).toBe(1);
    await expect(owner.roles.delete({ id: r.id })).rejects.toThrow(/held by 1 member/);
    await owner.members.cancel({ ids: [y] });
    await owner.members.delete({ ids: [y] });
    expect((await shown()).roles.Auditor).toBe(0);
    await owner.roles.delete({ id: r.id });
    expect((await owner.roles.list()).some((x) => x.name === 'Auditor')).toBe(false);
  });
});
