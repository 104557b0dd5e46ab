import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../../src/main/core/clock';
import { hashToken } from '../../../src/main/core/tokens';
import {
  caught,
  createEnv,
  invite,
  inviteAndAccept,
  inviteLinkToken,
  lastMailedToken,
  OWNER_EMAIL,
  PASSWORD,
  registerOwner,
  roleId,
  signedIn,
  statusOf,
  tokenOf,
  type Caller,
  type TestEnv,
} from '../helpers';
import { inviteeDoor } from '../invitee-door';

async function lastAudit(caller: Caller) {
  const [row] = await caller.audit.list({ limit: 1 });
  return { ...row!, before: row!.before ? JSON.parse(row!.before) : null, after: row!.after ? JSON.parse(row!.after) : null };
}

async function auditCount(env: TestEnv): Promise<number> {
  const r = await env.store.db.selectFrom('audit').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

describe('members: inviting', () => {
  let env: TestEnv;
  let owner: Caller;
  let adminRole: number;

  beforeAll(async () => {
    env = await createEnv();
    owner = (await registerOwner(env)).caller;
    adminRole = await roleId(owner, 'Admin');
  });
  afterAll(async () => {
    await env.close();
  });

  it('invites several people at once; they appear as Pending, valid 7 days, with their role', async () => {
    const before = env.clock.now().getTime();
    const r = await owner.members.invite({
      entries: [{ email: 'ann@acme.test', name: 'Ann' }, { email: 'bob@acme.test' }, { email: 'Cat@Acme.test', phone: '+33 6 12 34 56 78' }],
      grants: { roleIds: [adminRole] },
    });
    expect(r.invited.map((i) => i.email)).toEqual(['ann@acme.test', 'bob@acme.test', 'Cat@Acme.test']);
    expect(r.skipped).toEqual([]);
    const list = await owner.members.list({ status: 'pending' });
    expect(list.items.map((m) => m.email).sort()).toEqual(['Cat@Acme.test', 'ann@acme.test', 'bob@acme.test']);
    for (const m of list.items) {
      expect(m.roles.map((x) => x.name)).toEqual(['Admin']);
      expect(Date.parse(m.inviteExpiresAt!) - Date.parse(m.invitedAt!)).toBe(7 * DAY_MS);
      expect(Date.parse(m.invitedAt!)).toBeGreaterThanOrEqual(before);
      expect(m.actions).toEqual(['resend', 'copyLink', 'edit', 'cancel']);
    }
    expect(list.items.find((m) => m.email === 'ann@acme.test')?.name).toBe('Ann');
    expect(list.items.find((m) => m.email === 'Cat@Acme.test')?.phone).toBe('+33612345678');
    expect((await owner.members.counts()).pending).toBe(3);
    expect(env.mail.filter((m) => m.kind === 'invitation').map((m) => m.email)).toEqual(['ann@acme.test', 'bob@acme.test', 'Cat@Acme.test']);
    const audit = await lastAudit(owner);
    expect(audit).toMatchObject({ actor: OWNER_EMAIL, action: 'member.invite', target: 'Cat@Acme.test', before: null });
    expect(audit.after).toMatchObject({ status: 'pending', email: 'Cat@Acme.test' });
  });

  it('previews what will happen to each address before anything is written', async () => {
    const count = await auditCount(env);
    const outcomes = await owner.members.preview({
      entries: [
        { email: 'not-an-address' },
        { email: 'new@acme.test' },
        { email: 'NEW@acme.test' },
        { email: 'Owner@ACME.test' },
        { email: 'ANN@acme.test' },
        { email: 'someone@mailinator.com' },
        { email: 'x@acme.test\r\nBcc: y@evil.test' },
      ],
    });
    expect(outcomes.map((o) => (o.outcome === 'skip' ? o.reason : o.outcome))).toEqual([
      'invalid',
      'invite',
      'duplicate',
      'already_member',
      'already_invited',
      'disposable',
      'invalid',
    ]);
    expect(outcomes[4]).toMatchObject({ status: 'pending', message: expect.stringMatching(/resend/i) });
    expect(await auditCount(env)).toBe(count);
    expect((await owner.members.counts()).pending).toBe(3);
  });

  it("applies the organization's allow and deny lists", async () => {
    const settings = await owner.organizations.settings();
    await owner.organizations.updateSettings({ ...settings, allowDomains: ['acme.test'], denyDomains: ['contractors.acme.test'] });
    try {
      const outcomes = await owner.members.preview({ entries: [{ email: 'a@other.test' }, { email: 'b@eu.acme.test' }, { email: 'c@x.contractors.acme.test' }] });
      expect(outcomes.map((o) => (o.outcome === 'skip' ? o.reason : o.outcome))).toEqual(['domain_not_allowed', 'invite', 'domain_not_allowed']);
      const r = await owner.members.invite({ entries: [{ email: 'a@other.test' }], grants: { roleIds: [adminRole] } });
      expect(r.invited).toEqual([]);
      expect(r.skipped.map((s) => s.reason)).toEqual(['domain_not_allowed']);
      expect((await lastAudit(owner)).action).toBe('settings.update');
    } finally {
      // Puts the earlier copy back on purpose: without its (now stale) version, as an older client would.
      await owner.organizations.updateSettings({ ...settings, version: undefined });
    }
  });

  it('the role is mandatory', async () => {
    const err = await caught(owner.members.invite({ entries: [{ email: 'norole@acme.test' }], grants: { roleIds: [] } }));
    expect(err.code).toBe('BAD_REQUEST');
    expect((await owner.members.preview({ entries: [{ email: 'norole@acme.test' }] }))[0]!.outcome).toBe('invite');
  });

  it('a batch with a role that does not exist writes nothing at all', async () => {
    const counts = await owner.members.counts();
    const audit = await auditCount(env);
    const mails = env.mail.length;
    const err = await caught(owner.members.invite({ entries: [{ email: 'x1@acme.test' }, { email: 'x2@acme.test' }], grants: { roleIds: [adminRole, 999999] } }));
    expect(err.code).toBe('BAD_REQUEST');
    expect(err.domainCode).toBe('VALIDATION');
    expect(await owner.members.counts()).toEqual(counts);
    expect(await auditCount(env)).toBe(audit);
    expect(env.mail.length).toBe(mails);
  });

  it('a changed invitation validity applies to new invitations', async () => {
    const settings = await owner.organizations.settings();
    expect(settings.invitationValidityDays).toBe(7);
    await owner.organizations.updateSettings({ ...settings, invitationValidityDays: 3 });
    try {
      const id = await invite(owner, 'short@acme.test');
      const m = (await owner.members.detail({ id }));
      expect(Date.parse(m.inviteExpiresAt!) - Date.parse(m.invitedAt!)).toBe(3 * DAY_MS);
    } finally {
      // Puts the earlier copy back on purpose: without its (now stale) version, as an older client would.
      await owner.organizations.updateSettings({ ...settings, version: undefined });
    }
  });

  it('the link table keeps only SHA-256 hashes of the tokens', async () => {
    const copied = await inviteLinkToken(owner, (await owner.members.list({ search: 'ann@' })).items[0]!.id);
    const tokens = [...env.mail.map((m) => tokenOf(m.url)), copied];
    expect(tokens.length).toBeGreaterThan(3);
    const links = (await env.store.db.selectFrom('link').selectAll().execute()) as unknown as Record<string, unknown>[];
    const dump = JSON.stringify(links);
    for (const t of tokens) {
      expect(dump).not.toContain(t);
      expect(links.some((l) => l.token_hash === hashToken(t))).toBe(true);
    }
    for (const l of links) expect(l.token_hash).toMatch(/^[0-9a-f]{64}$/);
    const auditDump = JSON.stringify(await env.store.db.selectFrom('audit').selectAll().execute());
    for (const t of tokens) expect(auditDump).not.toContain(t);
  });
});

describe('members: transitions', () => {
  let env: TestEnv;
  let owner: Caller;
  let ownerMemberId: number;

  beforeAll(async () => {
    env = await createEnv();
    const o = await registerOwner(env);
    owner = o.caller;
    ownerMemberId = o.memberId;
  });
  afterAll(async () => {
    await env.close();
  });

  it('accept: the invitee sets a password, becomes Accepted, and (with an admin role) can sign in', async () => {
    const id = await invite(owner, 'Alice@acme.test');
    const token = lastMailedToken(env, 'alice@acme.test');
    const anon = inviteeDoor(env);
    const view = await anon.inspect({ token, purpose: 'invitation' });
    expect(view).toMatchObject({ organizationName: 'Acme', email: 'Alice@acme.test', roles: ['Admin'], needsPassword: true, inviter: OWNER_EMAIL });
    // Without a password nothing happens and the link stays usable.
    const noPw = await caught(anon.accept({ token }));
    expect(noPw.domainCode).toBe('VALIDATION');
    await anon.accept({ token, password: PASSWORD });
    expect(await statusOf(owner, id)).toBe('accepted');
    const audit = await lastAudit(owner);
    expect(audit).toMatchObject({ action: 'member.accept', target: 'Alice@acme.test' });
    expect(audit.before.status).toBe('pending');
    expect(audit.after.status).toBe('accepted');
    const alice = await signedIn(env, 'alice@acme.test');
    expect((await alice.auth.state()).me?.permissions).not.toContain('organization.delete');
    // A used link grants nothing more.
    const again = await caught(inviteeDoor(env).accept({ token, password: PASSWORD }));
    expect(again.domainCode).toBe('LINK_USED');
  });

  it('decline: the invitation becomes Declined and the link is spent', async () => {
    const id = await invite(owner, 'dan@acme.test');
    const token = lastMailedToken(env, 'dan@acme.test');
    await inviteeDoor(env).decline({ token });
    expect(await statusOf(owner, id)).toBe('declined');
    expect(await lastAudit(owner)).toMatchObject({ action: 'member.decline', target: 'dan@acme.test', before: { status: 'pending' }, after: { status: 'declined' } });
    expect((await caught(inviteeDoor(env).accept({ token, password: PASSWORD }))).domainCode).toBe('LINK_DECLINED');
    // Re-invite from Declined: a new link that works.
    await owner.members.reinvite({ ids: [id] });
    expect(await statusOf(owner, id)).toBe('pending');
    expect(await lastAudit(owner)).toMatchObject({ action: 'member.reinvite', before: { status: 'declined' }, after: { status: 'pending' } });
    const fresh = lastMailedToken(env, 'dan@acme.test');
    expect(fresh).not.toBe(token);
    await expect(inviteeDoor(env).inspect({ token: fresh, purpose: 'invitation' })).resolves.toMatchObject({ email: 'dan@acme.test' });
  });

  it('cancel: the invitation becomes Cancelled and its link says so; re-invite sends a new one', async () => {
    const id = await invite(owner, 'carl@acme.test');
    const mailed = lastMailedToken(env, 'carl@acme.test');
    const copied = await inviteLinkToken(owner, id);
    expect(await owner.members.cancel({ ids: [id] })).toEqual({ changed: 1 });
    expect(await statusOf(owner, id)).toBe('cancelled');
    expect(await lastAudit(owner)).toMatchObject({ actor: OWNER_EMAIL, action: 'member.cancel', target: 'carl@acme.test', before: { status: 'pending' }, after: { status: 'cancelled' } });
    for (const token of [mailed, copied]) {
      const err = await caught(inviteeDoor(env).accept({ token, password: PASSWORD }));
      expect(err.code).toBe('BAD_REQUEST');
      expect(err.domainCode).toBe('LINK_CANCELLED');
      expect(err.message).toMatch(/cancelled/);
    }
    expect((await caught(inviteeDoor(env).decline({ token: mailed }))).domainCode).toBe('LINK_CANCELLED');
    // Cancel is only for pending invitations.
    expect((await caught(owner.members.cancel({ ids: [id] }))).domainCode).toBe('TRANSITION_NOT_ALLOWED');
    await owner.members.reinvite({ ids: [id] });
    expect(await statusOf(owner, id)).toBe('pending');
    await expect(inviteeDoor(env).inspect({ token: lastMailedToken(env, 'carl@acme.test'), purpose: 'invitation' })).resolves.toBeTruthy();
    expect((await caught(inviteeDoor(env).accept({ token: mailed, password: PASSWORD }))).domainCode).toBe('LINK_CANCELLED');
  });

  it('resend: a new link; the earlier emailed and copied links stop working', async () => {
    const id = await invite(owner, 'rita@acme.test');
    const first = lastMailedToken(env, 'rita@acme.test');
    const copied = await inviteLinkToken(owner, id);
    await owner.members.resend({ ids: [id] });
    expect(await statusOf(owner, id)).toBe('pending');
    expect(await lastAudit(owner)).toMatchObject({ action: 'member.resend', target: 'rita@acme.test' });
    const second = lastMailedToken(env, 'rita@acme.test', 'resend');
    expect(second).not.toBe(first);
    for (const token of [first, copied]) {
      const err = await caught(inviteeDoor(env).accept({ token, password: PASSWORD }));
      expect(err.domainCode).toBe('LINK_SUPERSEDED');
      expect(err.message).toMatch(/newer link/);
    }
    await expect(inviteeDoor(env).inspect({ token: second, purpose: 'invitation' })).resolves.toMatchObject({ email: 'rita@acme.test' });
  });

  it('copy invite link: a second valid link that does not break the emailed one; using one spends both', async () => {
    const id = await invite(owner, 'cody@acme.test');
    const mailed = lastMailedToken(env, 'cody@acme.test');
    const { url, expiresAt } = await owner.members.copyInviteLink({ id });
    expect(url.startsWith('http://127.0.0.1:8450/invite/')).toBe(true);
    const copied = tokenOf(url);
    expect(copied).not.toBe(mailed);
    expect(expiresAt).toBe((await owner.members.detail({ id })).inviteExpiresAt);
    expect(await lastAudit(owner)).toMatchObject({ action: 'member.copy_link', target: 'cody@acme.test' });
    await expect(inviteeDoor(env).inspect({ token: mailed, purpose: 'invitation' })).resolves.toBeTruthy();
    await expect(inviteeDoor(env).inspect({ token: copied, purpose: 'invitation' })).resolves.toBeTruthy();
    await inviteeDoor(env).decline({ token: copied });
    expect((await caught(inviteeDoor(env).accept({ token: mailed, password: PASSWORD }))).domainCode).toBe('LINK_DECLINED');
    expect(await statusOf(owner, id)).toBe('declined');
  });

  it('two simultaneous accepts of one link: exactly one succeeds', async () => {
    const id = await invite(owner, 'race@acme.test');
    const token = lastMailedToken(env, 'race@acme.test');
    const results = await Promise.allSettled([
      inviteeDoor(env).accept({ token, password: PASSWORD }),
      inviteeDoor(env).accept({ token, password: 'another fine passphrase' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((rejected.reason as { domainCode?: string }).domainCode).toBe('LINK_USED');
    expect(await statusOf(owner, id)).toBe('accepted');
    const accepts = await env.store.db.selectFrom('audit').select('id').where('action', '=', 'member.accept').where('target_id', '=', id).execute();
    expect(accepts).toHaveLength(1);
  });

  it('deactivate: only accepted members; the person loses access at once; reactivation needs their acceptance', async () => {
    const id = await inviteAndAccept(env, owner, 'dora@acme.test');
    const dora = await signedIn(env, 'dora@acme.test');
    await dora.members.counts();
    const pendingId = await invite(owner, 'pat@acme.test');
    const refused = await caught(owner.members.deactivate({ ids: [pendingId] }));
    expect(refused.code).toBe('CONFLICT');
    expect(refused.domainCode).toBe('TRANSITION_NOT_ALLOWED');
    expect(refused.message).toMatch(/pending/);
    // All or nothing: a mixed selection changes nobody.
    expect((await caught(owner.members.deactivate({ ids: [id, pendingId] }))).domainCode).toBe('TRANSITION_NOT_ALLOWED');
    expect(await statusOf(owner, id)).toBe('accepted');

    await owner.members.deactivate({ ids: [id] });
    expect(await statusOf(owner, id)).toBe('deactivated');
    expect(await lastAudit(owner)).toMatchObject({ action: 'member.deactivate', target: 'dora@acme.test', before: { status: 'accepted' }, after: { status: 'deactivated' } });
    expect((await caught(dora.members.counts())).domainCode).toBe('NOT_SIGNED_IN');
    expect((await owner.members.counts()).deactivated).toBe(1);

    await owner.members.reactivate({ ids: [id] });
    expect(await statusOf(owner, id)).toBe('deactivated');
    expect(await lastAudit(owner)).toMatchObject({ action: 'member.reactivate', target: 'dora@acme.test' });
    const token = lastMailedToken(env, 'dora@acme.test', 'reactivation');
    // A reactivation link is not an invitation link.
    expect((await caught(inviteeDoor(env).accept({ token, password: PASSWORD }))).domainCode).toBe('LINK_INVALID');
    await inviteeDoor(env).acceptReactivation({ token });
    expect(await statusOf(owner, id)).toBe('accepted');
    expect(await lastAudit(owner)).toMatchObject({ action: 'member.accept_reactivation', before: { status: 'deactivated' }, after: { status: 'accepted' } });
    expect((await caught(inviteeDoor(env).acceptReactivation({ token }))).domainCode).toBe('LINK_USED');
    const back = await signedIn(env, 'dora@acme.test');
    await back.members.counts();
  });

  it('delete: allowed from accepted, expired, declined, cancelled and deactivated; refused for pending', async () => {
    const pendingId = await invite(owner, 'penny@acme.test');
    const err = await caught(owner.members.delete({ ids: [pendingId] }));
    expect(err.domainCode).toBe('TRANSITION_NOT_ALLOWED');
    expect(await statusOf(owner, pendingId)).toBe('pending');

    const declined = await invite(owner, 'del-declined@acme.test');
    await inviteeDoor(env).decline({ token: lastMailedToken(env, 'del-declined@acme.test') });
    const cancelled = await invite(owner, 'del-cancelled@acme.test');
    await owner.members.cancel({ ids: [cancelled] });
    const accepted = (await owner.members.list({ search: 'alice@acme.test' })).items[0]!.id;
    const deactivated = (await owner.members.list({ search: 'race@acme.test' })).items[0]!.id;
    await owner.members.deactivate({ ids: [deactivated] });

    const countsBefore = await owner.members.counts();
    await owner.members.delete({ ids: [declined, cancelled, accepted, deactivated] });
    const audit = await owner.audit.list({ action: 'member.delete' });
    expect(audit.map((a) => a.target).sort()).toEqual(['Alice@acme.test', 'del-cancelled@acme.test', 'del-declined@acme.test', 'race@acme.test']);
    const list = await owner.members.list({ limit: 500 });
    for (const id of [declined, cancelled, accepted, deactivated]) expect(list.items.some((m) => m.id === id)).toBe(false);
    const counts = await owner.members.counts();
    expect(counts).not.toHaveProperty('deleted');
    expect(counts.declined).toBe(countsBefore.declined! - 1);
    expect(counts.cancelled).toBe(countsBefore.cancelled! - 1);
    expect(counts.accepted).toBe(countsBefore.accepted! - 1);
    expect(counts.deactivated).toBe(countsBefore.deactivated! - 1);
    expect((await caught(owner.members.detail({ id: accepted }))).code).toBe('NOT_FOUND');
    // A deleted person has no access at all.
    expect((await caught(env.caller().auth.signIn({ email: 'alice@acme.test', password: PASSWORD }))).domainCode).toBe('NO_CONSOLE_ACCESS');
    // The address can be invited again.
    const outcome = await owner.members.preview({ entries: [{ email: 'ALICE@acme.test' }] });
    expect(outcome[0]!.outcome).toBe('invite');
    const again = await invite(owner, 'alice@acme.test');
    expect(again).not.toBe(accepted);
    expect(await statusOf(owner, again)).toBe('pending');
    // She keeps her password from before: the new invitation does not ask for another one.
    expect((await inviteeDoor(env).inspect({ token: lastMailedToken(env, 'alice@acme.test'), purpose: 'invitation' })).needsPassword).toBe(false);
  });

  it('edit email: allowed while pending (the old link stops working), refused once accepted', async () => {
    const id = await invite(owner, 'typo@acme.tset');
    const oldToken = lastMailedToken(env, 'typo@acme.tset');
    await owner.members.edit({ id, email: 'fixed@acme.test', name: 'Fixed' });
    const row = (await owner.members.detail({ id }));
    expect(row).toMatchObject({ email: 'fixed@acme.test', name: 'Fixed', status: 'pending' });
    expect(await lastAudit(owner)).toMatchObject({ action: 'member.edit', before: { email: 'typo@acme.tset' }, after: { email: 'fixed@acme.test' } });
    const oldErr = await caught(inviteeDoor(env).accept({ token: oldToken, password: PASSWORD }));
    expect(oldErr.code).toBe('BAD_REQUEST');
    expect(oldErr.domainCode).toMatch(/^LINK_/);
    await expect(inviteeDoor(env).inspect({ token: lastMailedToken(env, 'fixed@acme.test'), purpose: 'invitation' })).resolves.toMatchObject({ email: 'fixed@acme.test' });

    // Taken addresses are refused.
    expect((await caught(owner.members.edit({ id, email: 'OWNER@acme.test' }))).domainCode).toBe('EMAIL_TAKEN');

    const dora = (await owner.members.list({ search: 'dora@' })).items[0]!;
    expect(dora.status).toBe('accepted');
    const refused = await caught(owner.members.edit({ id: dora.id, email: 'dora2@acme.test' }));
    expect(refused.domainCode).toBe('TRANSITION_NOT_ALLOWED');
    expect(refused.message).toMatch(/cannot be changed once the person has accepted/);
    expect((await owner.members.detail({ id: dora.id })).email).toBe('dora@acme.test');
    // Name and phone stay editable after acceptance.
    await owner.members.edit({ id: dora.id, name: 'Dora D.' });
    expect((await owner.members.detail({ id: dora.id })).name).toBe('Dora D.');
  });

  it('nobody deletes or deactivates themselves', async () => {
    // Calls made one at a time: a second call started before the first is awaited would reject unobserved meanwhile.
    for (const call of [() => owner.members.delete({ ids: [ownerMemberId] }), () => owner.members.deactivate({ ids: [ownerMemberId] })]) {
      const err = await caught(call());
      expect(err.code).toBe('FORBIDDEN');
      expect(err.domainCode).toBe('SELF_ACTION');
    }
    const err = await caught(owner.members.setRoles({ ids: [ownerMemberId], roleIds: [await roleId(owner, 'Admin')] }));
    expect(err.domainCode).toBe('SELF_ACTION');
    expect(await statusOf(owner, ownerMemberId)).toBe('accepted');
  });

  it('an admin can edit their own name (only roles and permissions are off-limits)', async () => {
    await owner.members.edit({ id: ownerMemberId, name: 'The Owner' });
    expect((await owner.members.detail({ id: ownerMemberId })).name).toBe('The Owner');
    const err = await caught(owner.members.edit({ id: ownerMemberId, grants: { roleIds: [await roleId(owner, 'Admin')] } }));
    expect(err.domainCode).toBe('SELF_ACTION');
  });

  it('an Admin cannot act on the Owner, nor grant the Owner role', async () => {
    const dora = await signedIn(env, 'dora@acme.test');
    for (const call of [() => dora.members.deactivate({ ids: [ownerMemberId] }), () => dora.members.delete({ ids: [ownerMemberId] }), () => dora.members.edit({ id: ownerMemberId, name: 'Hacked' })]) {
      const err = await caught(call());
      expect(err.code).toBe('FORBIDDEN');
      expect(err.domainCode).toBe('MORE_PRIVILEGED');
    }
    const ownerRole = await roleId(owner, 'Owner');
    const inv = await caught(dora.members.invite({ entries: [{ email: 'boss@acme.test' }], grants: { roleIds: [ownerRole] } }));
    expect(inv.domainCode).toBe('OWNER_ONLY');
    expect((await owner.members.preview({ entries: [{ email: 'boss@acme.test' }] }))[0]!.outcome).toBe('invite');
    const pending = (await owner.members.list({ search: 'penny@' })).items[0]!.id;
    const set = await caught(dora.members.setRoles({ ids: [pending], roleIds: [ownerRole] }));
    expect(set.domainCode).toBe('OWNER_ONLY');
    // The Owner can.
    await owner.members.setRoles({ ids: [pending], roleIds: [ownerRole] });
    expect((await owner.members.detail({ id: pending })).roles.map((r) => r.name)).toEqual(['Owner']);
    expect(await lastAudit(owner)).toMatchObject({ action: 'member.roles', target: 'penny@acme.test', after: { roles: ['Owner'] } });
  });

  it('audit.list shows who did what to whom, with before and after', async () => {
    const rows = await owner.audit.list({ limit: 1000 });
    const actions = new Set(rows.map((r) => r.action));
    for (const a of ['organization.create', 'member.owner', 'member.invite', 'member.accept', 'member.decline', 'member.cancel', 'member.resend', 'member.reinvite', 'member.copy_link', 'member.deactivate', 'member.reactivate', 'member.accept_reactivation', 'member.delete', 'member.edit', 'member.roles'])
      expect(actions).toContain(a);
    for (const r of rows) {
      expect(r.actor).toBeTruthy();
      expect(r.at).toMatch(/^\d{4}-\d\d-\d\dT/);
    }
    const cancel = rows.find((r) => r.action === 'member.cancel' && r.target === 'carl@acme.test')!;
    expect(cancel).toMatchObject({ actor: OWNER_EMAIL, targetType: 'member', target: 'carl@acme.test' });
    expect(JSON.parse(cancel.before!).status).toBe('pending');
    expect(JSON.parse(cancel.after!).status).toBe('cancelled');
  });
});

describe('members: expiry', () => {
  let env: TestEnv;
  let owner: Caller;

  beforeAll(async () => {
    env = await createEnv();
    owner = (await registerOwner(env)).caller;
  });
  afterAll(async () => {
    await env.close();
  });

  it('an unanswered invitation expires after 7 days; resend makes it pending again; expired ones can be deleted', async () => {
    const id = await invite(owner, 'slow@acme.test');
    const other = await invite(owner, 'slower@acme.test');
    const token = lastMailedToken(env, 'slow@acme.test');
    env.clock.advance(7 * DAY_MS - 60_000);
    // Keep the Owner's session alive across the jump, as a real admin would re-sign-in.
    owner = await signedIn(env, OWNER_EMAIL);
    expect((await owner.members.counts()).pending).toBe(2);
    env.clock.advance(60_000 + 1);
    owner = await signedIn(env, OWNER_EMAIL);
    const counts = await owner.members.counts();
    expect(counts.pending).toBe(0);
    expect(counts.expired).toBe(2);
    const row = (await owner.members.list({ status: 'expired' })).items.find((m) => m.id === id)!;
    expect(row.actions).toEqual(['resend', 'edit', 'delete']);
    expect((await lastAudit(owner)).action).toBe('member.expire');
    expect((await lastAudit(owner)).actor).toBe('system');

    const err = await caught(inviteeDoor(env).accept({ token, password: PASSWORD }));
    expect(err.domainCode).toBe('LINK_EXPIRED');
    expect(err.message).toMatch(/expired/);
    expect((await caught(owner.members.copyInviteLink({ id }))).domainCode).toBe('TRANSITION_NOT_ALLOWED');

    const t0 = env.clock.now().getTime();
    await owner.members.resend({ ids: [id] });
    const t1 = env.clock.now().getTime();
    const renewed = (await owner.members.detail({ id }));
    expect(renewed.status).toBe('pending');
    expect(Date.parse(renewed.inviteExpiresAt!)).toBeGreaterThanOrEqual(t0 + 7 * DAY_MS);
    expect(Date.parse(renewed.inviteExpiresAt!)).toBeLessThanOrEqual(t1 + 7 * DAY_MS);
    await expect(inviteeDoor(env).inspect({ token: lastMailedToken(env, 'slow@acme.test', 'resend'), purpose: 'invitation' })).resolves.toBeTruthy();

    await owner.members.delete({ ids: [other] });
    const after = await owner.members.counts();
    expect(after).toMatchObject({ pending: 1, expired: 0 });
  });

  it('an invitation that expired before anyone listed it still refuses acceptance', async () => {
    const id = await invite(owner, 'late@acme.test');
    const token = lastMailedToken(env, 'late@acme.test');
    env.clock.advance(7 * DAY_MS + 1);
    expect((await caught(inviteeDoor(env).inspect({ token, purpose: 'invitation' }))).domainCode).toBe('LINK_EXPIRED');
    expect((await caught(inviteeDoor(env).decline({ token }))).domainCode).toBe('LINK_EXPIRED');
    owner = await signedIn(env, OWNER_EMAIL);
    expect(await statusOf(owner, id)).toBe('expired');
  });
});
