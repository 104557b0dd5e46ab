/**
 * A sub-account admin deleting a sub-account (the adversarial pass of 2026-12-07, second): the
 * roles granted there go with it, so deleting acts on whoever holds them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caught, createEnv, inviteAndAccept, registerOwner, roleId, signedIn, type Caller, type TestEnv } from '../helpers';

describe('deleting a sub-account', () => {
  let env: TestEnv;
  let owner: Caller;
  let teamAdmin: Caller;
  let france: number;
  let paris: number;
  let lyon: number;
  let directorId: number;

  beforeAll(async () => {
    env = await createEnv();
    owner = (await registerOwner(env)).caller;
    france = (await owner.accounts.create({ name: 'France' })).id;
    paris = (await owner.accounts.create({ name: 'Paris', parentId: france })).id;
    lyon = (await owner.accounts.create({ name: 'Lyon', parentId: france })).id;
    const team = await owner.roles.create({ name: 'Team Admin', permissions: ['accounts.manage', 'members.view', 'members.edit'] });
    const member = await roleId(owner, 'Member');
    const root = (await owner.accounts.list())[0]!.id;
    const teamId = await inviteAndAccept(env, owner, 'team@acme.test', 'Member');
    await owner.members.setAccess({ id: teamId, roles: [{ roleId: member, accountId: root }, { roleId: team.id, accountId: france }], accountIds: [france] });
    directorId = await inviteAndAccept(env, owner, 'director@acme.test', 'Member');
    await owner.members.setAccess({ id: directorId, roles: [{ roleId: member, accountId: root }, { roleId: await roleId(owner, 'Admin'), accountId: paris }], accountIds: [paris] });
    await inviteAndAccept(env, owner, 'plain@acme.test', 'Member');
    teamAdmin = await signedIn(env, 'team@acme.test');
  });
  afterAll(async () => {
    await env.close();
  });

  it('is refused to an admin outranked by someone holding a role there, who keeps it', async () => {
    const e = await caught(teamAdmin.accounts.delete({ id: paris, moveMembersTo: france }));
    expect(e.domainCode).toBe('MORE_PRIVILEGED');
    expect(e.message).toMatch(/director@acme\.test with more privilege than you holds roles or permissions at .*Paris: deleting it would take them away/);
    const detail = JSON.stringify(await owner.members.detail({ id: directorId }));
    expect(detail).toContain('Paris');
    expect((await owner.accounts.list()).some((a) => a.id === paris)).toBe(true);
  });

  it('still works for one only holding access there, and for the Owner', async () => {
    const plain = (await owner.members.list({ search: 'plain@acme.test', limit: 1 })).items[0]!.id;
    await owner.members.setAccess({ id: plain, roles: [{ roleId: await roleId(owner, 'Member'), accountId: (await owner.accounts.list())[0]!.id }], accountIds: [lyon] });
    expect(await teamAdmin.accounts.delete({ id: lyon, moveMembersTo: france })).toMatchObject({ id: lyon, movedMembers: 1 });
    expect(await owner.accounts.delete({ id: paris, moveMembersTo: france })).toMatchObject({ id: paris });
  });

  it("is not refused because of the admin's own roles there (nobody outranks themselves)", async () => {
    const nice = (await owner.accounts.create({ name: 'Nice', parentId: france })).id;
    const teamMember = (await owner.members.list({ search: 'team@acme.test', limit: 1 })).items[0]!;
    const root = (await owner.accounts.list())[0]!.id;
    const team = (await owner.roles.list()).find((r) => r.name === 'Team Admin')!.id;
    // A permission the admin holds at Nice only: not org-wide, so by itself it "outranks" whoever lacks it there.
    const inviter = (await owner.roles.create({ name: 'Nice Inviter', permissions: ['members.invite'] })).id;
    await owner.members.setAccess({
      id: teamMember.id,
      roles: [
        { roleId: await roleId(owner, 'Member'), accountId: root },
        { roleId: team, accountId: france },
        { roleId: inviter, accountId: nice },
      ],
      accountIds: [france],
    });
    expect(await teamAdmin.accounts.delete({ id: nice, moveMembersTo: france })).toMatchObject({ id: nice });
  });

  it('with 40,000 members, moves them all (the roleless check bound one id per variable: "too many SQL variables")', async () => {
    const big = (await owner.accounts.create({ name: 'Big' })).id;
    const member = await roleId(owner, 'Member');
    await owner.members.invite({ entries: Array.from({ length: 40_000 }, (_, i) => ({ email: `p${i}@big.test` })), grants: { roleIds: [member], accountIds: [big] } });
    const root = (await owner.accounts.list())[0]!.id;
    expect(await owner.accounts.delete({ id: big, moveMembersTo: root })).toEqual({ id: big, movedMembers: 40_000 });
  }, 120_000);
});
