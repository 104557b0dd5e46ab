/**
 * An admin with a lesser role against the role × permission matrix and the bulk actions (the
 * adversarial pass of 2026-12-07, second). "Helper" manages roles and edits members, nothing more.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caught, createEnv, inviteAndAccept, registerOwner, roleId, signedIn, type Caller, type TestEnv } from '../helpers';

describe('a lesser admin and the roles', () => {
  let env: TestEnv;
  let owner: Caller;
  let helper: Caller;
  let adminId: number;

  beforeAll(async () => {
    env = await createEnv();
    owner = (await registerOwner(env)).caller;
    await owner.roles.create({ name: 'Helper', permissions: ['roles.manage', 'members.view', 'members.edit', 'members.invite'] });
    adminId = await inviteAndAccept(env, owner, 'admin@acme.test', 'Admin');
    await inviteAndAccept(env, owner, 'helper@acme.test', 'Helper');
    await inviteAndAccept(env, owner, 'plain@acme.test', 'Member');
    helper = await signedIn(env, 'helper@acme.test');
  });
  afterAll(async () => {
    await env.close();
  });

  it('cannot strip the Admin role of what it holds itself: the Admins outrank it', async () => {
    const adminRole = (await owner.roles.list()).find((r) => r.builtin === 'admin')!;
    const stripped = adminRole.permissions.filter((p) => p !== 'members.edit' && p !== 'members.invite');
    const e = await caught(helper.roles.setPermissions({ roles: [{ id: adminRole.id, permissions: stripped }] }));
    expect(e.domainCode).toBe('MORE_PRIVILEGED');
    expect(e.message).toMatch(/Admin is held by admin@acme\.test with more privilege than you/);
    expect((await owner.roles.list()).find((r) => r.id === adminRole.id)!.permissions).toEqual(adminRole.permissions);
  });

  it('cannot add to a role held by someone it does not outrank either (the holder has audit.view)', async () => {
    const auditors = await owner.roles.create({ name: 'Auditors', permissions: ['audit.view'] });
    await inviteAndAccept(env, owner, 'auditor@acme.test', 'Auditors');
    const e = await caught(helper.roles.setPermissions({ roles: [{ id: auditors.id, permissions: ['audit.view', 'members.edit'] }] }));
    expect(e.domainCode).toBe('MORE_PRIVILEGED');
  });

  it('still edits a role whose holders hold no more than it does (Member)', async () => {
    const memberRole = (await owner.roles.list()).find((r) => r.builtin === 'member')!;
    expect(await helper.roles.setPermissions({ roles: [{ id: memberRole.id, permissions: [...memberRole.permissions, 'members.view'] }] })).toEqual({ changed: 1 });
  });

  it('cannot delete an unused role holding permissions it lacks', async () => {
    const lofty = await owner.roles.create({ name: 'Lofty', permissions: ['settings.manage'] });
    expect((await caught(helper.roles.delete({ id: lofty.id }))).domainCode).toBe('MORE_PRIVILEGED');
    const mine = await owner.roles.create({ name: 'Small', permissions: ['members.view'] });
    expect(await helper.roles.delete({ id: mine.id })).toEqual({ id: mine.id });
  });

  it('held: bulk by filter neither grants the Admin role nor touches the Admin or itself', async () => {
    const admin = await roleId(owner, 'Admin');
    expect((await caught(helper.members.bulk.setRoles({ selection: { filter: {} }, roleIds: [admin] }))).domainCode).toBe('MORE_PRIVILEGED');
    const viewer = await owner.roles.create({ name: 'Viewer', permissions: ['members.view'] });
    const r = await helper.members.bulk.setRoles({ selection: { filter: {} }, roleIds: [viewer.id] });
    expect(r.skipped).toEqual(expect.arrayContaining([expect.objectContaining({ reason: 'self' }), expect.objectContaining({ reason: 'privileged' })]));
    expect(JSON.stringify(await owner.members.detail({ id: adminId }))).toContain('"Admin"');
  });
});
