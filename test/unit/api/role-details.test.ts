import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_ROLE_DESCRIPTIONS } from '../../../src/shared/permissions';
import { inviteeDoor } from '../invitee-door';
import { caught, createEnv, inviteAndAccept, lastMailedToken, PASSWORD, registerOwner, roleId, signedIn, type Caller, type TestEnv } from '../helpers';

describe('roles: a description each, and who holds them where', () => {
  let env: TestEnv;
  let owner: Caller;
  let france: number;
  let spain: number;

  /** Invites with a role granted at a sub-account, accepts, and returns the member id. */
  async function inviteAt(email: string, name: string, role: string, accountId: number): Promise<number> {
    const r = await owner.members.invite({ entries: [{ email, name }], grants: { roleIds: [await roleId(owner, role)], grantAccountId: accountId, accountIds: [accountId] } });
    await inviteeDoor(env).accept({ token: lastMailedToken(env, email, 'invitation'), password: PASSWORD });
    return r.invited[0]!.memberId;
  }

  beforeAll(async () => {
    env = await createEnv();
    owner = (await registerOwner(env)).caller;
    france = (await owner.accounts.create({ name: 'France' })).id;
    spain = (await owner.accounts.create({ name: 'Spain' })).id;
    await inviteAt('fr@acme.test', 'Françoise Petit', 'Admin', france);
    await inviteAt('es@acme.test', 'Elena Ruiz', 'Admin', spain);
    await inviteAndAccept(env, owner, 'ada@acme.test', 'Admin');
  });
  afterAll(async () => {
    await env.close();
  });

  it('a new organization describes its built-in roles; a custom role starts without one', async () => {
    const roles = await owner.roles.list();
    expect(roles.map((r) => [r.name, r.description])).toEqual([
      ['Owner', BUILTIN_ROLE_DESCRIPTIONS.owner],
      ['Admin', BUILTIN_ROLE_DESCRIPTIONS.admin],
      ['Member', BUILTIN_ROLE_DESCRIPTIONS.member],
    ]);
    const support = await owner.roles.create({ name: 'Support' });
    expect((await owner.roles.list()).find((r) => r.id === support.id)!.description).toBe('');
  });

  it('whoever manages roles edits a description (trimmed, at most 500 characters), audited; others cannot', async () => {
    const id = await roleId(owner, 'Support');
    await owner.roles.describe({ id, description: '  Answers customers; sees members only.  ' });
    expect((await owner.roles.list()).find((r) => r.id === id)!.description).toBe('Answers customers; sees members only.');
    const audit = await owner.audit.list({ action: 'role.describe' });
    expect(audit[0]!.target).toBe('Support');
    expect((await caught(owner.roles.describe({ id, description: 'x'.repeat(501) }))).message).toContain('at most 500 characters');
    // A built-in role's description can be changed too: it grants nothing.
    await owner.roles.describe({ id: await roleId(owner, 'Member'), description: 'Our staff.' });
    expect((await owner.roles.list()).find((r) => r.name === 'Member')!.description).toBe('Our staff.');
    // Someone who views members but does not manage roles is refused.
    await owner.roles.create({ name: 'Viewer', permissions: ['members.view'] });
    await inviteAndAccept(env, owner, 'viewer@acme.test', 'Viewer');
    const viewer = await signedIn(env, 'viewer@acme.test');
    expect((await caught(viewer.roles.describe({ id, description: 'Mine' }))).code).toBe('FORBIDDEN');
    expect((await owner.roles.list()).find((r) => r.id === id)!.description).toBe('Answers customers; sees members only.');
  });

  it('a description saved from a stale copy is refused, naming who saved first (team mode)', async () => {
    const ada = await signedIn(env, 'ada@acme.test');
    const id = await roleId(owner, 'Support');
    const adasCopy = (await ada.roles.list()).find((r) => r.id === id)!;
    const ownersCopy = (await owner.roles.list()).find((r) => r.id === id)!;
    await owner.roles.describe({ id, description: 'The owner was first.', version: ownersCopy.version });
    const stale = await caught(ada.roles.describe({ id, description: 'Ada too late.', version: adasCopy.version }));
    expect(stale.domainCode).toBe('STALE');
    expect(stale.message).toMatch(/^Changed by owner@acme\.test at .+ UTC: reload to see it\.$/);
    const fresh = (await ada.roles.list()).find((r) => r.id === id)!;
    await ada.roles.describe({ id, description: 'Ada, on the latest copy.', version: fresh.version });
    expect((await owner.roles.list()).find((r) => r.id === id)!.description).toBe('Ada, on the latest copy.');
  });

  it('lists who holds a role: name, email and where (organization-wide or the sub-account)', async () => {
    const admin = await owner.roles.members({ id: await roleId(owner, 'Admin') });
    expect(admin.total).toBe(3);
    expect(admin.members.map((m) => [m.name, m.email, m.where])).toEqual([
      [null, 'ada@acme.test', 'Organization-wide'],
      ['Elena Ruiz', 'es@acme.test', 'Acme / Spain'],
      ['Françoise Petit', 'fr@acme.test', 'Acme / France'],
    ]);
    const ownerRole = await owner.roles.members({ id: await roleId(owner, 'Owner') });
    expect(ownerRole.members.map((m) => [m.email, m.orgWide])).toEqual([['owner@acme.test', true]]);
  });

  it('an admin of one sub-account sees only the holders there', async () => {
    const fr = await signedIn(env, 'fr@acme.test');
    const seen = await fr.roles.members({ id: await roleId(owner, 'Admin') });
    expect(seen.members.map((m) => m.email)).toEqual(['fr@acme.test']);
    expect(seen.total).toBe(1);
  });
});
