import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caught, createEnv, invite, inviteAndAccept, lastMailedToken, OWNER_EMAIL, PASSWORD, registerOwner, roleId, signedIn, type Caller, type TestEnv } from '../helpers';
import { inviteeDoor } from '../invitee-door';

describe('sub-accounts, member access and Team Admins', () => {
  let env: TestEnv;
  let owner: Caller;
  let ownerId: number;
  let rootId: number;
  let sales: number;
  let paris: number;
  let ops: number;

  beforeAll(async () => {
    env = await createEnv();
    const o = await registerOwner(env);
    owner = o.caller;
    ownerId = o.memberId;
    rootId = (await owner.accounts.list())[0]!.id;
    sales = (await owner.accounts.create({ name: 'Sales' })).id;
    paris = (await owner.accounts.create({ name: 'Paris', parentId: sales })).id;
    ops = (await owner.accounts.create({ name: 'Ops' })).id;
  });
  afterAll(async () => {
    await env.close();
  });

  it('lists the tree with paths; renames and moves, never into its own subtree', async () => {
    await owner.accounts.rename({ id: ops, name: 'Operations' });
    expect((await caught(owner.accounts.move({ id: sales, parentId: paris }))).domainCode).toBe('VALIDATION');
    expect((await caught(owner.accounts.move({ id: rootId, parentId: ops }))).domainCode).toBe('VALIDATION');
    await owner.accounts.move({ id: paris, parentId: ops });
    expect((await owner.accounts.list()).find((a) => a.id === paris)!.path).toBe('Acme / Operations / Paris');
    await owner.accounts.move({ id: paris, parentId: sales });
    expect((await owner.audit.list({ action: 'account.move' })).length).toBe(2);
  });

  it('creating a sub-account can invite the person in charge in the same step', async () => {
    const r = await owner.accounts.create({ name: 'Berlin', parentId: sales, inCharge: { email: 'lead@acme.test', roleId: await roleId(owner, 'Admin') } });
    expect(r.invited?.email).toBe('lead@acme.test');
    const d = await owner.members.detail({ id: r.invited!.memberId });
    expect(d.roles).toEqual([{ id: await roleId(owner, 'Admin'), name: 'Admin', accountId: r.id }]);
    expect(d.accountIds).toEqual([r.id]);
    // An address that cannot be invited: nothing is created.
    const before = (await owner.accounts.list()).length;
    expect((await caught(owner.accounts.create({ name: 'Rome', inCharge: { email: 'lead@acme.test', roleId: await roleId(owner, 'Admin') } }))).domainCode).toBe('VALIDATION');
    expect((await owner.accounts.list()).length).toBe(before);
  });

  it('delete refuses while members depend on the account unless they are moved; refuses with sub-accounts', async () => {
    const berlin = (await owner.accounts.list()).find((a) => a.name === 'Berlin')!;
    expect(berlin.members).toBe(1);
    const err = await caught(owner.accounts.delete({ id: berlin.id }));
    expect(err.domainCode).toBe('IN_USE');
    expect(err.message).toMatch(/1 member depends/);
    expect((await caught(owner.accounts.delete({ id: sales, moveMembersTo: ops }))).domainCode).toBe('IN_USE');
    expect((await caught(owner.accounts.delete({ id: rootId }))).domainCode).toBe('VALIDATION');
    await owner.accounts.delete({ id: berlin.id, moveMembersTo: paris });
    const lead = (await owner.members.list({ search: 'lead@' })).items[0]!;
    // Access moves; roles granted at the deleted account go with it (moving them could promote
    // someone), and whoever is left without a role keeps the Member role where access moved.
    expect(lead.roles.map((r) => [r.name, r.accountId])).toEqual([['Member', paris]]);
    expect(lead.accountIds).toEqual([paris]);
    const history = await owner.audit.list({ action: 'member.account_removed' });
    expect(history.map((h) => h.target)).toContain('lead@acme.test');
  });

  it('setAccess: roles at accounts, single permissions, access; explained; REDUNDANT_GRANT; self; Owner rules', async () => {
    const admin = await roleId(owner, 'Admin');
    const id = await invite(owner, 'ana@acme.test', 'Member');
    await owner.members.setAccess({ id, roles: [{ roleId: admin, accountId: sales }], permissions: [{ permission: 'audit.view', accountId: rootId }], accountIds: [ops] });
    const d = await owner.members.detail({ id });
    expect(d.accountIds.sort()).toEqual([sales, ops].sort());
    expect(d.effective.find((e) => e.permission === 'members.view')!.sources).toEqual(['granted by role Admin at Acme / Sales']);
    expect(d.effective.find((e) => e.permission === 'audit.view')!.sources).toContain('granted directly at Acme');
    const red = await caught(owner.members.setAccess({ id, roles: [{ roleId: admin, accountId: sales }, { roleId: admin, accountId: paris }] }));
    expect(red.domainCode).toBe('REDUNDANT_GRANT');
    expect(red.message).toMatch(/already granted at Acme \/ Sales/);
    expect((await caught(owner.members.setAccess({ id: ownerId, roles: [{ roleId: admin, accountId: rootId }] }))).domainCode).toBe('SELF_ACTION');
    expect((await caught(owner.members.setAccess({ id, roles: [{ roleId: await roleId(owner, 'Owner'), accountId: sales }] }))).domainCode).toBe('VALIDATION');
  });

  it('the last Owner cannot be demoted; only an Owner grants Owner', async () => {
    await inviteAndAccept(env, owner, 'second@acme.test', 'Admin');
    const second = await signedIn(env, 'second@acme.test');
    const me = (await second.auth.state()).me!.memberId;
    expect((await caught(second.members.setAccess({ id: ownerId, roles: [{ roleId: await roleId(owner, 'Admin'), accountId: rootId }] }))).domainCode).toBe('MORE_PRIVILEGED');
    const target = await invite(owner, 'third@acme.test', 'Member');
    expect((await caught(second.members.setAccess({ id: target, roles: [{ roleId: await roleId(owner, 'Owner'), accountId: rootId }] }))).domainCode).toBe('OWNER_ONLY');
    expect((await caught(second.members.setAccess({ id: me, roles: [{ roleId: await roleId(owner, 'Member'), accountId: rootId }] }))).domainCode).toBe('SELF_ACTION');
    // Two Owners: one can be demoted, then the last cannot.
    await owner.members.setAccess({ id: me, roles: [{ roleId: await roleId(owner, 'Owner'), accountId: rootId }] });
    const secondAgain = await signedIn(env, 'second@acme.test');
    await secondAgain.members.setAccess({ id: ownerId, roles: [{ roleId: await roleId(owner, 'Admin'), accountId: rootId }] });
    const demoted = await signedIn(env, OWNER_EMAIL);
    expect((await caught(demoted.members.setAccess({ id: me, roles: [{ roleId: await roleId(owner, 'Admin'), accountId: rootId }] }))).domainCode).toBe('MORE_PRIVILEGED');
    await secondAgain.members.setAccess({ id: ownerId, roles: [{ roleId: await roleId(owner, 'Owner'), accountId: rootId }] });
  });

  it('a Team Admin (Admin at Sales) sees and manages only the Sales subtree; their invitees get access to Sales', async () => {
    const admin = await roleId(owner, 'Admin');
    const memberRole = await roleId(owner, 'Member');
    const tid = await invite(owner, 'team@acme.test', 'Member');
    await owner.members.setAccess({ id: tid, roles: [{ roleId: admin, accountId: sales }] });
    await inviteeDoor(env).accept({ token: lastMailedToken(env, 'team@acme.test', 'invitation'), password: PASSWORD });
    const outsider = await invite(owner, 'outsider@acme.test', 'Member');
    const team = await signedIn(env, 'team@acme.test');

    const r = await team.members.invite({ entries: [{ email: 'new@acme.test' }], grants: { roleIds: [memberRole] } });
    const newId = r.invited[0]!.memberId;
    expect((await owner.members.detail({ id: newId })).accountIds).toEqual([sales]);
    expect((await owner.members.detail({ id: newId })).roles[0]!.accountId).toBe(sales);

    const visible = (await team.members.list({})).items.map((m) => m.email).sort();
    expect(visible).toEqual(['ana@acme.test', 'lead@acme.test', 'new@acme.test', 'team@acme.test']);
    const counts = await team.members.counts();
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(4);
    expect((await caught(team.members.detail({ id: outsider }))).domainCode).toBe('NOT_FOUND');
    expect((await caught(team.members.cancel({ ids: [outsider] }))).domainCode).toBe('FORBIDDEN');
    expect((await caught(team.members.setAccess({ id: outsider, roles: [{ roleId: memberRole, accountId: sales }] }))).domainCode).toBe('FORBIDDEN');
    expect((await caught(team.members.invite({ entries: [{ email: 'x@acme.test' }], grants: { roleIds: [memberRole], grantAccountId: ops } }))).domainCode).toBe('FORBIDDEN');
    expect((await caught(team.members.setRoles({ ids: [newId], roleIds: [memberRole] }))).domainCode).toBe('FORBIDDEN');
    await team.members.cancel({ ids: [newId] });
    await team.members.setAccess({ id: newId, roles: [{ roleId: memberRole, accountId: paris }] });
    expect((await owner.members.detail({ id: newId })).accountIds).toEqual([paris]);
    expect((await caught(team.accounts.create({ name: 'Elsewhere', parentId: ops }))).domainCode).toBe('FORBIDDEN');
    const sub = await team.accounts.create({ name: 'Lyon', parentId: sales });
    expect((await caught(team.accounts.move({ id: sub.id, parentId: ops }))).domainCode).toBe('FORBIDDEN');
    expect((await caught(team.roles.create({ name: 'Mine' }))).domainCode).toBe('FORBIDDEN');
  });
});
