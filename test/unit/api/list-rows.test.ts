import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContextInner, memoryCarrier } from '../../../src/main/api/context';
import { createCaller } from '../../../src/main/api/router';
import { decorationsOf } from '../../../src/main/db/repos/member-decorations.repo';
import { permissionsByRole } from '../../../src/main/db/repos/roles.repo';
import { caught, createEnv, invite, inviteAndAccept, PASSWORD, registerOwner, roleId, type Caller, type TestEnv } from '../helpers';

/**
 * The Members page's rows come from one session query and one decorations query (issue 17 item 5):
 * what each row shows and offers must be what the separate lookups gave, and no permission may
 * outlive its removal by a single call.
 */
describe('members list: rows and the caller behind them', () => {
  let env: TestEnv;
  let owner: Caller;
  let teamId: number;
  let leadId: number;

  beforeAll(async () => {
    env = await createEnv();
    owner = (await registerOwner(env)).caller;
    teamId = (await owner.accounts.create({ name: 'Team' })).id;
    leadId = await inviteAndAccept(env, owner, 'lead@acme.test', 'Admin');
    await owner.members.setAccess({ id: leadId, roles: [{ roleId: await roleId(owner, 'Admin'), accountId: teamId }], accountIds: [teamId] });
  });
  afterAll(async () => {
    await env.close();
  });

  it("shows each row's roles and sub-accounts, and the actions this admin may take on it", async () => {
    const rows = (await owner.members.list({ limit: 50 })).items;
    const lead = rows.find((r) => r.email === 'lead@acme.test')!;
    expect(lead.roles).toEqual([{ id: await roleId(owner, 'Admin'), name: 'Admin', accountId: teamId }]);
    expect(lead.accountIds).toEqual([teamId]);
    expect(lead.actions).toEqual(expect.arrayContaining(['deactivate', 'edit']));
    const self = rows.find((r) => r.email === 'owner@acme.test')!;
    expect(self.roles.map((r) => r.name)).toEqual(['Owner']);
    expect(self.rolesRefusal).toMatch(/own roles/);
    expect(self.refused.map((r) => r.action)).toContain('deactivate');
  });

  it("a Team Admin sees the Owner's row refused because the Owner holds more (the row's grants)", async () => {
    const lead = env.caller();
    await lead.auth.signIn({ email: 'lead@acme.test', password: PASSWORD });
    const rows = (await owner.members.list({ limit: 50 })).items;
    const ownerId = rows.find((r) => r.email === 'owner@acme.test')!.id;
    await owner.members.setAccess({ id: leadId, roles: [{ roleId: await roleId(owner, 'Admin'), accountId: rows.find((r) => r.email === 'owner@acme.test')!.roles[0]!.accountId }], accountIds: [] });
    const seen = (await lead.members.list({ limit: 50 })).items.find((r) => r.id === ownerId)!;
    expect(seen.rolesRefusal).toMatch(/more privileges than you/);
    expect(seen.refused.find((r) => r.action === 'deactivate')?.reason).toMatch(/more privileges than you/);
  });

  it("every page, in both orders and once the page's statement is planned for good, shows each row's own roles and sub-accounts", async () => {
    for (const email of ['a@acme.test', 'b@acme.test', 'c@acme.test']) await invite(owner, email, 'Member');
    const detail = async (id: number) => {
      const d = await owner.members.detail({ id });
      return { roles: d.roles, accountIds: d.accountIds };
    };
    // Seven rounds: PostgreSQL plans a named statement afresh for its first five runs, then reuses one plan.
    for (let round = 0; round < 7; round++)
      for (const order of ['asc', 'desc'] as const) {
        const seen: number[] = [];
        let cursor: { value: string | null; id: number } | null | undefined;
        do {
          const page = await owner.members.list({ order, limit: 2, cursor });
          for (const row of page.items) {
            if (round === 0) expect({ roles: row.roles, accountIds: row.accountIds }).toEqual(await detail(row.id));
            seen.push(row.id);
          }
          cursor = page.nextCursor;
        } while (cursor);
        expect(seen).toHaveLength(5);
        expect(new Set(seen).size).toBe(5);
      }
  });

  it('a role taken away counts at the very next call, on the same caller and on a new request', async () => {
    const carrier = memoryCarrier();
    const request = () => createCaller(createContextInner({ services: env.services, sessionCarrier: carrier, request: {} }));
    await request().auth.signIn({ email: 'lead@acme.test', password: PASSWORD });
    const same = createCaller(createContextInner({ services: env.services, sessionCarrier: carrier }));
    expect((await request().members.list({ limit: 5 })).items.length).toBeGreaterThan(0);
    expect((await same.members.list({ limit: 5 })).items.length).toBeGreaterThan(0);
    await owner.members.setAccess({ id: leadId, roles: [{ roleId: await roleId(owner, 'Member'), accountId: teamId }], accountIds: [teamId] });
    expect((await caught(same.members.list({ limit: 5 }))).domainCode).toBe('NO_CONSOLE_ACCESS');
    expect((await caught(request().members.list({ limit: 5 }))).domainCode).toBe('NO_CONSOLE_ACCESS');
  });

  it("a row's roles, single permissions, sub-accounts and latest mail are the same whether role permissions come kept or are read with the page", async () => {
    const memberId = await invite(owner, 'decorated@acme.test', 'Member');
    await owner.members.setAccess({
      id: memberId,
      roles: [{ roleId: await roleId(owner, 'Member'), accountId: teamId }],
      permissions: [{ permission: 'members.view', accountId: teamId }],
      accountIds: [teamId],
    });
    const row = (await owner.members.list({ limit: 50, search: 'decorated@' })).items[0]!;
    const orgId = (await env.services.deps.db.selectFrom('member').select('organization_id').where('id', '=', memberId).executeTakeFirstOrThrow()).organization_id;
    const read = (await decorationsOf(env.store.db, [memberId, leadId])).get(memberId)!;
    const kept = (await decorationsOf(env.store.db, [memberId, leadId], await permissionsByRole(env.store.db, orgId))).get(memberId)!;
    const grants = (d: typeof read) => d.grants.map((g) => `${g.permission}@${g.account_id}:${g.role_name ?? '-'}`).sort();
    expect(grants(read)).toEqual(grants(kept));
    expect(grants(read)).toContain(`members.view@${teamId}:-`);
    expect(read.grants.filter((g) => g.role_name === 'Member').length).toBeGreaterThan(0);
    expect({ ...read, grants: [] }).toEqual({ ...kept, grants: [] });
    expect(read.roles.map((r) => r.name)).toEqual(['Member']);
    expect(read.accountIds).toEqual([teamId]);
    // No mail server here: no delivery (the outbox tests cover a row's latest mail).
    expect(row.delivery).toEqual(read.delivery);
    expect(row.roles).toEqual([{ id: await roleId(owner, 'Member'), name: 'Member', accountId: teamId }]);
  });
});
