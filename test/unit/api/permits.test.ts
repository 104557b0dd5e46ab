import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caught, createEnv, inviteAndAccept, OWNER_EMAIL, registerOwner, signedIn, type Caller, type TestEnv } from '../helpers';

/** Issue 15: what the lists offer is what the server accepts, by the same rules (services/members/permits.ts). */
describe('what the signed-in admin is offered', () => {
  let env: TestEnv;
  let owner: Caller;
  let admin: Caller;
  let ownerId: number;

  beforeAll(async () => {
    env = await createEnv();
    owner = (await registerOwner(env)).caller;
    await inviteAndAccept(env, owner, 'admin@acme.test', 'Admin');
    admin = await signedIn(env, 'admin@acme.test');
    ownerId = (await owner.members.list({ search: OWNER_EMAIL })).items[0]!.id;
  });
  afterAll(async () => {
    await env.close();
  });

  it('the Owner is offered neither Deactivate nor Delete on their own row, and is told why', async () => {
    const row = (await owner.members.list({ search: OWNER_EMAIL })).items[0]!;
    expect(row.actions).not.toContain('delete');
    expect(row.actions).not.toContain('deactivate');
    expect(row.refused).toContainEqual({ action: 'delete', reason: 'You cannot delete yourself: ask another admin.' });
    expect(row.rolesRefusal).toMatch(/own roles/);
  });

  it('an Admin is offered no Delete, Deactivate nor role change on the Owner; the server refuses them the same way', async () => {
    const row = (await admin.members.list({ search: OWNER_EMAIL })).items[0]!;
    expect(row.actions).not.toContain('delete');
    expect(row.refused.find((r) => r.action === 'delete')!.reason).toMatch(/more privileges than you/);
    expect(row.rolesRefusal).toMatch(/more privileges than you/);
    expect((await caught(admin.members.delete({ ids: [ownerId] }))).domainCode).toBe('MORE_PRIVILEGED');
    const detail = await admin.members.detail({ id: ownerId });
    expect(detail.actions).not.toContain('deactivate');
    // The Owner may act on the Admin.
    const adminRow = (await owner.members.list({ search: 'admin@acme.test' })).items[0]!;
    expect(adminRow.actions).toEqual(expect.arrayContaining(['deactivate', 'delete']));
  });

  it('an Admin may not grant the Owner role nor "Delete the organization"; the Owner may', async () => {
    const roles = await admin.roles.list();
    expect(roles.find((r) => r.builtin === 'owner')!.grantRefusal).toBe('Only an Owner can grant the Owner role.');
    expect(roles.find((r) => r.builtin === 'admin')!.grantRefusal).toBeNull();
    expect((await owner.roles.list()).every((r) => r.grantRefusal === null)).toBe(true);
    const catalog = await admin.roles.catalog();
    expect(catalog.console.find((p) => p.key === 'organization.delete')!.heldAt).toEqual([]);
    expect(catalog.console.find((p) => p.key === 'members.invite')!.heldAt).toBe('all');
  });

  it('the header names where the members are: the organization for an org-wide admin', async () => {
    const state = await admin.auth.state();
    expect(state.me!.membersIn).toBe(state.me!.organization.name);
  });
});
