import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caught, createEnv, inviteAndAccept, registerOwner, roleId, signedIn, type Caller, type TestEnv } from '../helpers';

/**
 * One rule for every way of handing out roles and permissions (PRODUCT.md: a role is mandatory;
 * an unknown permission is refused as unknown, never as one the admin does not hold).
 */
describe('grant rules shared by members.edit, members.setAccess, invite and roles', () => {
  let env: TestEnv;
  let owner: Caller;
  let rootId: number;
  let adminRole: number;
  let memberRole: number;
  let adminId: number;

  beforeAll(async () => {
    env = await createEnv();
    owner = (await registerOwner(env)).caller;
    rootId = (await owner.accounts.list())[0]!.id;
    adminRole = await roleId(owner, 'Admin');
    memberRole = await roleId(owner, 'Member');
    adminId = await inviteAndAccept(env, owner, 'admin@acme.test', 'Admin');
  });
  afterAll(async () => {
    await env.close();
  });

  it('setAccess refuses an empty role list as members.edit does, and the member keeps their role and can still sign in', async () => {
    const viaAccess = await caught(owner.members.setAccess({ id: adminId, roles: [], permissions: [], accountIds: [] }));
    const viaEdit = await caught(owner.members.edit({ id: adminId, grants: { roleIds: [] } }));
    // Refused at the input, as members.edit's is (the HTTP answer carries domainCode VALIDATION).
    expect(viaAccess.code).toBe('BAD_REQUEST');
    expect(viaEdit.code).toBe('BAD_REQUEST');
    expect(viaAccess.message).toContain('Choose a role: it is mandatory.');
    expect(viaEdit.message).toContain('Choose a role: it is mandatory.');
    const d = await owner.members.detail({ id: adminId });
    expect(d.roles.map((r) => r.name)).toEqual(['Admin']);
    expect(d.effective.map((e) => e.permission)).toContain('members.view');
    expect((await (await signedIn(env, 'admin@acme.test')).auth.state()).me!.memberId).toBe(adminId);
  });

  it('an unknown permission is refused as unknown, even for the Owner who holds everything, before any privilege check', async () => {
    const unknown = /Unknown permission: bogus\.perm\. Reload the page\./;
    const calls: (() => Promise<unknown>)[] = [
      () => owner.members.edit({ id: adminId, grants: { roleIds: [adminRole], permissions: ['bogus.perm'] } }),
      () => owner.members.invite({ entries: [{ email: 'new@acme.test' }], grants: { roleIds: [memberRole], permissions: ['bogus.perm'] } }),
      () => owner.members.setAccess({ id: adminId, roles: [{ roleId: adminRole, accountId: rootId }], permissions: [{ permission: 'bogus.perm', accountId: rootId }] }),
      () => owner.roles.create({ name: 'Bogus', permissions: ['bogus.perm'] }),
      () => owner.roles.setPermissions({ roles: [{ id: memberRole, permissions: ['bogus.perm'] }] }),
    ];
    for (const call of calls) {
      const err = await caught(call());
      expect(err.code).toBe('BAD_REQUEST');
      expect(err.message).toMatch(unknown);
    }
    // A module-shaped name the organization does not have: the same answer, from the same rule.
    const mod = await caught(owner.members.edit({ id: adminId, grants: { roleIds: [adminRole], permissions: ['module:nope'] } }));
    expect(mod.domainCode).toBe('VALIDATION');
    expect(mod.message).toMatch(/Unknown permission: module:nope\. Reload the page\./);
    // Nothing changed; nobody was invited; no role was made.
    expect((await owner.members.detail({ id: adminId })).permissions).toEqual([]);
    expect((await owner.members.list({})).items.map((m) => m.email)).not.toContain('new@acme.test');
    expect((await owner.roles.list()).map((r) => r.name)).not.toContain('Bogus');
  });

  it('an admin who lacks a known permission is still told so (the privilege check stands)', async () => {
    await inviteAndAccept(env, owner, 'admin2@acme.test', 'Admin');
    const admin = await signedIn(env, 'admin2@acme.test');
    const target = await inviteAndAccept(env, owner, 'target@acme.test', 'Member');
    const err = await caught(admin.members.edit({ id: target, grants: { roleIds: [memberRole], permissions: ['organization.delete'] } }));
    expect(err.domainCode).toBe('MORE_PRIVILEGED');
  });
});
