import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caught, createEnv, inviteAndAccept, registerOwner, roleId, signedIn, type Caller, type TestEnv } from '../helpers';

describe('roles, matrix and modules', () => {
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

  it('lists built-in roles with their permissions and the catalog with admin-only modules', async () => {
    const roles = await owner.roles.list();
    expect(roles.map((r) => r.name)).toEqual(['Owner', 'Admin', 'Member']);
    expect(roles.find((r) => r.name === 'Member')!.permissions).toEqual(['module:dashboard']);
    const catalog = await owner.roles.catalog();
    expect(catalog.console.map((p) => p.key)).toContain('members.invite');
    expect(catalog.modules.filter((m) => m.adminOnly).map((m) => m.label)).toEqual(['Pricing', 'Payment', 'User Management']);
  });

  it('creates, renames, copies a custom role; names are unique', async () => {
    const r = await owner.roles.create({ name: 'Support', permissions: ['members.view'] });
    await owner.roles.rename({ id: r.id, name: 'Helpdesk' });
    const copy = await owner.roles.copy({ id: r.id, name: 'Helpdesk 2' });
    const roles = await owner.roles.list();
    expect(roles.find((x) => x.id === copy.id)!.permissions).toEqual(['members.view']);
    expect((await caught(owner.roles.create({ name: 'helpdesk' }))).domainCode).toBe('VALIDATION');
    expect((await caught(owner.roles.rename({ id: await roleId(owner, 'Admin'), name: 'Boss' }))).domainCode).toBe('VALIDATION');
    const audit = await owner.audit.list({ action: 'role.rename' });
    expect(audit[0]!.target).toBe('Support');
  });

  it('saves the matrix at once; the Owner role is immutable; unknown permissions are refused', async () => {
    const roles = await owner.roles.list();
    const support = roles.find((r) => r.name === 'Helpdesk')!;
    const member = roles.find((r) => r.name === 'Member')!;
    const r = await owner.roles.setPermissions({ roles: [{ id: support.id, permissions: ['members.view', 'audit.view'] }, { id: member.id, permissions: member.permissions }] });
    expect(r.changed).toBe(1);
    expect((await owner.roles.list()).find((x) => x.id === support.id)!.permissions.sort()).toEqual(['audit.view', 'members.view']);
    const ownerRole = roles.find((x) => x.name === 'Owner')!;
    expect((await caught(owner.roles.setPermissions({ roles: [{ id: ownerRole.id, permissions: [] }] }))).domainCode).toBe('VALIDATION');
    // Refused at the input (grant-rules.ts), before the Owner rule or any privilege comparison.
    const unknown = await caught(owner.roles.setPermissions({ roles: [{ id: support.id, permissions: ['made.up'] }] }));
    expect(unknown.code).toBe('BAD_REQUEST');
    expect(unknown.message).toMatch(/Unknown permission: made\.up\. Reload the page\./);
    expect((await caught(owner.roles.setPermissions({ roles: [{ id: support.id, permissions: ['module:made-up'] }] }))).domainCode).toBe('VALIDATION');
  });

  it('an Admin cannot add what they lack (organization.delete) nor edit a role they hold', async () => {
    const support = (await admin.roles.list()).find((r) => r.name === 'Helpdesk')!;
    expect((await caught(admin.roles.setPermissions({ roles: [{ id: support.id, permissions: ['organization.delete'] }] }))).domainCode).toBe('MORE_PRIVILEGED');
    const adminRole = await roleId(admin, 'Admin');
    expect((await caught(admin.roles.setPermissions({ roles: [{ id: adminRole, permissions: ['members.view'] }] }))).domainCode).toBe('SELF_ACTION');
    expect((await caught(admin.roles.copy({ id: await roleId(admin, 'Owner'), name: 'Almost owner' }))).domainCode).toBe('MORE_PRIVILEGED');
  });

  it('deletes a role only when unused', async () => {
    const id = await roleId(owner, 'Helpdesk');
    await inviteAndAccept(env, owner, 'help@acme.test', 'Helpdesk');
    const err = await caught(owner.roles.delete({ id }));
    expect(err.domainCode).toBe('IN_USE');
    expect(err.message).toMatch(/held by 1 member/);
    expect((await caught(owner.roles.delete({ id: await roleId(owner, 'Member') }))).domainCode).toBe('VALIDATION');
    await owner.roles.delete({ id: await roleId(owner, 'Helpdesk 2') });
    expect((await owner.roles.list()).map((r) => r.name)).not.toContain('Helpdesk 2');
  });

  it('a matrix change takes effect for the role holders at once', async () => {
    const help = await signedIn(env, 'help@acme.test');
    expect((await help.auth.state()).me!.permissions.sort()).toEqual(['audit.view', 'members.view']);
    await owner.roles.setPermissions({ roles: [{ id: await roleId(owner, 'Helpdesk'), permissions: ['members.view'] }] });
    expect((await caught(help.audit.list({}))).domainCode).toBe('FORBIDDEN');
    await owner.roles.setPermissions({ roles: [{ id: await roleId(owner, 'Helpdesk'), permissions: [] }] });
    expect((await caught(help.members.list({}))).domainCode).toBe('NO_CONSOLE_ACCESS');
  });

  it('adds a module: Owner and Admin hold it, Member too unless admin-only; removing takes it away', async () => {
    await owner.modules.add({ key: 'reports', name: 'Reports', adminOnly: false });
    await owner.modules.add({ key: 'Payroll', name: 'Payroll', adminOnly: true });
    const roles = await owner.roles.list();
    const holders = (p: string) => roles.filter((r) => r.permissions.includes(p)).map((r) => r.name);
    expect(holders('module:reports')).toEqual(['Owner', 'Admin', 'Member']);
    expect(holders('module:payroll')).toEqual(['Owner', 'Admin']);
    expect((await caught(owner.modules.add({ key: 'reports', name: 'Again' }))).domainCode).toBe('VALIDATION');
    await owner.modules.remove({ key: 'module:reports' });
    expect((await owner.roles.catalog()).modules.map((m) => m.key)).not.toContain('module:reports');
    expect((await owner.roles.list()).some((r) => r.permissions.includes('module:reports'))).toBe(false);
  });
});
