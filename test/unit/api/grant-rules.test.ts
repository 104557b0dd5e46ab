import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caught, createEnv, inviteAndAccept, registerOwner, signedIn, type Caller, type TestEnv } from '../helpers';

/** One rule for every way of handing out roles (PRODUCT.md: a role is mandatory). */
describe('grant rules shared by members.edit, members.setAccess, invite and roles', () => {
  let env: TestEnv;
  let owner: Caller;
  let adminId: number;

  beforeAll(async () => {
    env = await createEnv();
    owner = (await registerOwner(env)).caller;
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
});
