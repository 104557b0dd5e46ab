import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { caught, createEnv, invite, inviteAndAccept, lastMailedToken, OWNER_EMAIL, PASSWORD, registerOwner, roleId, signedIn, type Caller, type TestEnv } from './../helpers';
import { inviteeDoor } from '../invitee-door';

// Regressions for the review of the first landing: each test is an attack that used to work.

let env: TestEnv;
let owner: Caller;

beforeEach(async () => {
  env = await createEnv();
  owner = (await registerOwner(env)).caller;
});
afterEach(() => env.close());

describe('privilege over pending invitations', () => {
  it('an Admin can neither redirect nor copy the link of a pending Owner invitation', async () => {
    const coOwner = await invite(owner, 'coowner@acme.test', 'Owner');
    await inviteAndAccept(env, owner, 'admin@acme.test', 'Admin');
    const admin = await signedIn(env, 'admin@acme.test');
    expect((await caught(admin.members.edit({ id: coOwner, email: 'attacker@evil.test' }))).domainCode).toBe('MORE_PRIVILEGED');
    expect((await caught(admin.members.copyInviteLink({ id: coOwner }))).domainCode).toBe('MORE_PRIVILEGED');
    const detail = await owner.members.detail({ id: coOwner });
    expect(detail.email).toBe('coowner@acme.test');
  });

  it('an Admin cannot revive a cancelled Owner invitation through "resend existing"', async () => {
    const coOwner = await invite(owner, 'coowner@acme.test', 'Owner');
    await owner.members.cancel({ ids: [coOwner] });
    await inviteAndAccept(env, owner, 'admin@acme.test', 'Admin');
    const admin = await signedIn(env, 'admin@acme.test');
    const err = await caught(admin.members.invite({ entries: [{ email: 'coowner@acme.test' }], grants: { roleIds: [await roleId(admin, 'Member')] }, resendExisting: true }));
    expect(err.domainCode).toBe('MORE_PRIVILEGED');
    expect((await owner.members.detail({ id: coOwner })).status).toBe('cancelled');
  });
});

describe('one sign-in across organizations', () => {
  it('joining a second organization with an existing sign-in needs the current password', async () => {
    await inviteAndAccept(env, owner, 'shared@acme.test', 'Admin');
    const other = await signedIn(env, OWNER_EMAIL);
    const created = await other.organizations.create({ name: 'Second Org' });
    await other.auth.switchOrganization({ organizationId: created.id });
    await invite(other, 'shared@acme.test', 'Member');
    const token = lastMailedToken(env, 'shared@acme.test', 'invitation');
    const err = await caught(inviteeDoor(env).accept({ token }));
    expect(err.message).toContain('current Roster password');
    await inviteeDoor(env).accept({ token, password: PASSWORD });
  });

  it('only the organization a person joined first can reset their password', async () => {
    const shared = await inviteAndAccept(env, owner, 'shared@acme.test', 'Admin');
    const second = await signedIn(env, OWNER_EMAIL);
    const created = await second.organizations.create({ name: 'Second Org' });
    await second.auth.switchOrganization({ organizationId: created.id });
    const inSecond = await invite(second, 'shared@acme.test', 'Member');
    await inviteeDoor(env).accept({ token: lastMailedToken(env, 'shared@acme.test', 'invitation'), password: PASSWORD });
    const err = await caught(second.members.sendPasswordReset({ ids: [inSecond] }));
    expect(err.message).toContain('only the organization they joined first');
    await owner.members.sendPasswordReset({ ids: [shared] });
  });

  it('a password reset ends the person’s open sessions', async () => {
    const id = await inviteAndAccept(env, owner, 'reset@acme.test', 'Admin');
    const admin = await signedIn(env, 'reset@acme.test');
    await admin.members.counts();
    await owner.members.sendPasswordReset({ ids: [id] });
    await inviteeDoor(env).resetPassword({ token: lastMailedToken(env, 'reset@acme.test', 'password_reset'), password: 'a completely new passphrase' });
    expect((await caught(admin.members.counts())).code).toBe('UNAUTHORIZED');
  });

  it('only an Owner creates another organization', async () => {
    await inviteAndAccept(env, owner, 'admin@acme.test', 'Admin');
    const admin = await signedIn(env, 'admin@acme.test');
    expect((await caught(admin.organizations.create({ name: 'Shadow' }))).domainCode).toBe('OWNER_ONLY');
  });
});

describe('install-wide and organization-wide settings', () => {
  it('only the Owner of the first organization changes where invitee pages listen and what links start with', async () => {
    await inviteAndAccept(env, owner, 'admin@acme.test', 'Admin');
    const admin = await signedIn(env, 'admin@acme.test');
    expect((await caught(admin.portal.updateSettings({ host: '127.0.0.1', port: 8450, publicBaseUrl: 'https://evil.example' }))).domainCode).toBe('OWNER_ONLY');
    const created = await owner.organizations.create({ name: 'Second Org' });
    await owner.auth.switchOrganization({ organizationId: created.id });
    expect((await caught(owner.portal.updateSettings({ host: '127.0.0.1', port: 8450, publicBaseUrl: 'https://evil.example' }))).domainCode).toBe('OWNER_ONLY');
    expect(env.services.portal.current.publicBaseUrl).toBeNull();
  });

  it('an Admin of a sub-account cannot change organization settings nor read the whole audit', async () => {
    const team = await owner.accounts.create({ name: 'Team' });
    const lead = await invite(owner, 'lead@acme.test', 'Member');
    await inviteeDoor(env).accept({ token: lastMailedToken(env, 'lead@acme.test', 'invitation'), password: PASSWORD });
    await owner.members.setAccess({ id: lead, roles: [{ roleId: await roleId(owner, 'Admin'), accountId: team.id }] });
    const teamAdmin = await signedIn(env, 'lead@acme.test');
    const settings = await teamAdmin.organizations.settings();
    expect((await caught(teamAdmin.organizations.updateSettings({ ...settings, invitationValidityDays: 90 }))).code).toBe('FORBIDDEN');
    expect((await caught(teamAdmin.audit.list({}))).code).toBe('FORBIDDEN');
  });
});

describe('sign-in rate limit', () => {
  it('parallel wrong passwords still hit the limit', async () => {
    // Eight scrypt checks at once can take longer than the first wait (5 s) on a loaded machine; the
    // limit is about how many run at once, so time stands still here.
    env.clock.freeze();
    const attempts = await Promise.allSettled(Array.from({ length: 8 }, () => env.caller().auth.signIn({ email: OWNER_EMAIL, password: 'wrong wrong wrong' })));
    const messages = attempts.map((a) => (a.status === 'rejected' ? String((a.reason as Error).message) : 'ok'));
    expect(messages.filter((m) => m.includes('Too many attempts: wait')).length).toBeGreaterThanOrEqual(3);
  });
});

describe('sub-account admins and grants elsewhere', () => {
  it('a Team Admin cannot wipe grants made at other accounts by editing a member’s roles', async () => {
    const team = await owner.accounts.create({ name: 'Team' });
    const lead = await invite(owner, 'lead@acme.test', 'Member');
    await inviteeDoor(env).accept({ token: lastMailedToken(env, 'lead@acme.test', 'invitation'), password: PASSWORD });
    await owner.members.setAccess({ id: lead, roles: [{ roleId: await roleId(owner, 'Admin'), accountId: team.id }] });
    // A member in Team who also holds a role at the company account.
    const both = await invite(owner, 'both@acme.test', 'Member');
    await owner.members.setAccess({ id: both, roles: [{ roleId: await roleId(owner, 'Member'), accountId: (await owner.accounts.list()).find((a) => a.parentId === null)!.id }], accountIds: [team.id] });
    const teamAdmin = await signedIn(env, 'lead@acme.test');
    const err = await caught(teamAdmin.members.edit({ id: both, grants: { roleIds: [await roleId(owner, 'Member')], accountIds: [team.id], permissions: [], grantAccountId: team.id } }));
    expect(err.code).toBe('FORBIDDEN');
    expect((await owner.members.detail({ id: both })).roles.map((r) => r.name)).toEqual(['Member']);
  });
});

describe('redundant grants', () => {
  it('a bulk role change refuses a role the member already holds at a sub-account, and explains', async () => {
    const team = await owner.accounts.create({ name: 'Team' });
    const id = await invite(owner, 'team@acme.test', 'Member');
    const admin = await roleId(owner, 'Admin');
    await owner.members.setAccess({ id, roles: [{ roleId: admin, accountId: team.id }] });
    const err = await caught(owner.members.setRoles({ ids: [id], roleIds: [admin] }));
    expect(err.domainCode).toBe('REDUNDANT_GRANT');
    expect(err.message).toContain('already holds Admin at Acme / Team');
  });
});

describe('idle lock', () => {
  it('refreshes nobody asked for do not keep an unattended console open; real use does', async () => {
    const { createCaller } = await import('../../../src/main/api/router');
    const { createContextInner, memoryCarrier } = await import('../../../src/main/api/context');
    const carrier = memoryCarrier();
    const as = (userIdleMs: number) => createCaller(createContextInner({ services: env.services, sessionCarrier: carrier, userIdleMs }));
    await as(0).auth.signIn({ email: OWNER_EMAIL, password: PASSWORD });
    const minute = 60_000;

    env.clock.advance(10 * minute);
    await as(10 * minute).members.counts(); // a background refresh: the person has been away 10 minutes
    env.clock.advance(6 * minute);
    expect((await caught(as(16 * minute).members.counts())).message).toContain('locked after 15 minutes');

    await as(0).auth.signIn({ email: OWNER_EMAIL, password: PASSWORD });
    env.clock.advance(10 * minute);
    await as(0).members.counts(); // the person clicked just now
    env.clock.advance(6 * minute);
    await as(6 * minute).members.counts();
  });
});
