import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { permissionLabel } from '../../../src/shared/permissions';
import { caught, createEnv, inviteAndAccept, registerOwner, signedIn, type Caller, type TestEnv } from '../helpers';

describe('refusals name permissions by their labels, never their keys', () => {
  let env: TestEnv;
  let owner: Caller;
  let admin: Caller;

  beforeAll(async () => {
    env = await createEnv();
    owner = (await registerOwner(env)).caller;
    await inviteAndAccept(env, owner, 'admin@acme.test', 'Admin');
    admin = await signedIn(env, 'admin@acme.test');
  });
  afterAll(async () => {
    await env.close();
  });

  it('permissionLabel: console permissions and product modules', () => {
    expect(permissionLabel('organization.delete')).toBe('Delete the organization');
    expect(permissionLabel('module:pricing')).toBe('the Pricing module');
    expect(permissionLabel('module:reports', [{ key: 'reports', name: 'Reports' }])).toBe('the Reports module');
  });

  it('an Admin giving "Delete the organization" to a role is told so by its label', async () => {
    const support = await owner.roles.create({ name: 'Support', permissions: [] });
    const e = await caught(admin.roles.setPermissions({ roles: [{ id: support.id, permissions: ['members.view', 'organization.delete'] }] }));
    expect(e.domainCode).toBe('MORE_PRIVILEGED');
    expect(e.message).toContain('"Delete the organization"');
    expect(e.message).not.toContain('organization.delete');
  });
});
