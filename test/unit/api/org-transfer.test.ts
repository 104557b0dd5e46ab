import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenedStore } from '../../../src/main/db/connect';
import { saveMailSettings } from '../../../src/main/db/repos/mail-settings.repo';
import { findMember } from '../../../src/main/db/repos/members.repo';
import type { WriteHold } from '../../../src/main/db/write-hold';
import { importCommit, IMPORT_PART_CHARS } from '../../../src/main/services/org-transfer';
import { createStoreRuntime } from '../../../src/main/services/org-transfer-store';
import { loadAuthz } from '../../../src/main/services/organizations';
import { caught, createEnv, exportFile, invite, inviteAndAccept, OWNER_EMAIL, registerOwner, roleId, signedIn, type Caller, type TestEnv } from '../helpers';

/** Sends the file in parts, as the Settings card does. */
async function upload(caller: Caller, text: string): Promise<string> {
  let uploadId: string | null = null;
  for (let i = 0; i < text.length || i === 0; i += IMPORT_PART_CHARS) {
    uploadId = (await caller.orgTransfer.importPart({ uploadId, text: text.slice(i, i + IMPORT_PART_CHARS) })).uploadId;
  }
  return uploadId!;
}

/** Sends the file in parts, then commits it. */
async function importFile(caller: Caller, text: string) {
  return caller.orgTransfer.importCommit({ uploadId: await upload(caller, text) });
}

type Doc = {
  exportedAt: string;
  accounts: { key: number; parent: number | null; name: string }[];
  roles: { key: number; name: string }[];
  members: { key: number; email: string; invitedBy: number | null; roles: { role: number; account: number }[]; permissions: { permission: string; account: number }[]; accounts: number[] }[];
};

/** The file with its keys replaced by what they stand for (account paths, role names, addresses). */
function meaning(text: string) {
  const doc = JSON.parse(text) as Doc;
  const accounts = new Map(doc.accounts.map((a) => [a.key, a]));
  const path = (k: number): string => {
    const a = accounts.get(k)!;
    return a.parent === null ? a.name : `${path(a.parent)} / ${a.name}`;
  };
  const role = new Map(doc.roles.map((r) => [r.key, r.name]));
  const email = new Map(doc.members.map((m) => [m.key, m.email]));
  return {
    ...doc,
    exportedAt: undefined,
    accounts: doc.accounts.map((a) => path(a.key)).sort(),
    roles: doc.roles.map((r) => ({ ...r, key: undefined })),
    members: doc.members.map((m) => ({
      ...m,
      key: undefined,
      invitedBy: m.invitedBy === null ? null : email.get(m.invitedBy),
      roles: m.roles.map((g) => `${role.get(g.role)} at ${path(g.account)}`).sort(),
      permissions: m.permissions.map((g) => `${g.permission} at ${path(g.account)}`).sort(),
      accounts: m.accounts.map(path).sort(),
    })),
  };
}

describe('organization export and import (issue 16)', () => {
  let source: TestEnv;
  let target: TestEnv;
  let owner: Caller;
  let file = '';

  beforeAll(async () => {
    source = await createEnv();
    const registered = await registerOwner(source);
    owner = registered.caller;
    const organizationId = registered.organizationId;
    const france = (await owner.accounts.create({ name: 'France' })).id;
    const paris = (await owner.accounts.create({ name: 'Paris', parentId: france })).id;
    const support = await owner.roles.create({ name: 'Support', permissions: ['members.view', 'module:dashboard'] });
    await owner.roles.describe({ id: support.id, description: 'Answers the phone' });
    await inviteAndAccept(source, owner, 'admin@acme.test', 'Admin');
    const helper = await inviteAndAccept(source, owner, 'helper@acme.test', 'Member');
    const root = (await owner.accounts.list())[0]!.id;
    await owner.members.setAccess({ id: helper, roles: [{ roleId: await roleId(owner, 'Member'), accountId: root }, { roleId: support.id, accountId: paris }], permissions: [{ permission: 'audit.view', accountId: france }], accountIds: [paris] });
    await invite(owner, 'pending@acme.test', 'Member');
    const cancelled = await invite(owner, 'cancelled@acme.test', 'Member');
    await owner.members.cancel({ ids: [cancelled] });
    // Enough members for several export chunks (2,000 each).
    const entries = Array.from({ length: 2100 }, (_, i) => ({ email: `m${i}@acme.test`, name: `Member ${i}` }));
    await owner.members.invite({ entries, grants: { roleIds: [await roleId(owner, 'Member')] } });
    // As Settings → Mail stores them (the password sealed by the install's secret box).
    await saveMailSettings(source.store.db, organizationId, {
      host: 'smtp.acme.test',
      port: 587,
      security: 'starttls',
      username: 'roster',
      password_enc: 'sealed:smtp-secret-pw',
      from_name: 'Acme',
      from_address: 'roster@acme.test',
      updated_at: new Date().toISOString(),
    });
    file = await exportFile(owner);
  }, 120_000);
  afterAll(async () => {
    await source?.close();
    await target?.close();
  });

  it('writes a versioned file with no password, hash, token or SMTP secret in it', async () => {
    const doc = JSON.parse(file) as { format: string; version: number; members: unknown[]; end: { members: number }; mail: Record<string, unknown> };
    expect([doc.format, doc.version]).toEqual(['roster-organization', 1]);
    expect(doc.members).toHaveLength(2105);
    expect(doc.end.members).toBe(2105);
    expect(doc.mail.host).toBe('smtp.acme.test');
    expect(file).not.toMatch(/smtp-secret-pw|password|hash|token|scrypt/i);
    const audit = await owner.audit.list({ action: 'organization.export' });
    expect(audit).toHaveLength(1);
  });

  it('imports into a fresh install as the same directory, in one go, without sending mail', async () => {
    target = await createEnv();
    // The same person runs the other install, so the file's Owner is the importer.
    const other = (await registerOwner(target, { organizationName: 'Other' })).caller;
    const result = await importFile(other, file);
    expect(result.members).toBe(2105);
    expect(result.byStatus).toEqual({ accepted: 3, pending: 2101, cancelled: 1 });
    expect(result.pendingNeedResend).toBe(2101);
    expect(result.notes.join(' ')).toMatch(/resend/);
    expect(target.mail).toEqual([]);
    await other.auth.switchOrganization({ organizationId: result.organizationId });
    expect(await other.members.counts()).toEqual(await owner.members.counts());
    expect((await other.accounts.list()).map((a) => [a.path, a.members])).toEqual((await owner.accounts.list()).map((a) => [a.path, a.members]));
    const again = await exportFile(other);
    expect(meaning(again)).toEqual(meaning(file));
    expect((await other.audit.list({ action: 'organization.import' })).length).toBe(1);
    // The file held no password: the note tells the importer the step that exists, and it works.
    expect(result.peopleWithoutPassword).toBe(2);
    expect(result.notes).toContain(
      '2 people have no password on this Roster yet: send them a password reset from Members (a member\'s actions → "Send password reset", or select several → "Password reset"). It is mailed once a mail server is set up on the Mail page.',
    );
    expect(result.notes).toContain('The mail server settings came without their password: enter it on the Mail page.');
    expect(result.notes.join(' ')).not.toMatch(/Forgot password/);
    const admin = (await other.members.list({ search: 'admin@acme.test' })).items[0]!;
    expect(admin.actions).toContain('passwordReset');
    await other.members.sendPasswordReset({ ids: [admin.id] });
    expect(target.mail.map((m) => [m.kind, m.email])).toEqual([['password_reset', 'admin@acme.test']]);
  }, 120_000);

  it('refuses a second import of the same organization by name, writing nothing', async () => {
    const other = await signedIn(target, 'owner@acme.test');
    const before = await other.members.counts();
    const e = await caught(importFile(other, file));
    expect(e.domainCode).toBe('NAME_TAKEN');
    expect(e.message).toMatch(/\$\.organization\.name: an organization named "Acme" already exists/);
    expect(await other.members.counts()).toEqual(before);
  });

  it('refuses a wrong format, version, value or reference with the JSON path, and writes nothing', async () => {
    const fresh = await createEnv();
    try {
      const other = (await registerOwner(fresh, { organizationName: 'Third' })).caller;
      const doc = JSON.parse(file) as Record<string, any>;
      const variant = (change: (d: Record<string, any>) => void) => {
        const copy = structuredClone(doc);
        change(copy);
        return JSON.stringify(copy);
      };
      const cases: [string, RegExp][] = [
        ['not json {', /not valid JSON/],
        [variant((d) => (d.format = 'keycloak-realm')), /^\$\.format: this is not a Roster organization file/],
        [variant((d) => (d.version = 2)), /^\$\.version: version 2 is not one this Roster reads/],
        [variant((d) => (d.members[3].email = 'not-an-address')), /^\$\.members\[3\]\.email: /],
        [variant((d) => (d.members[3].status = 'weird')), /^\$\.members\[3\]\.status: /],
        [variant((d) => (d.members[0].roles = [{ role: 999999, account: d.accounts[0].key }])), /^\$\.members\[0\]\.roles\[0\]\.role: no role has key 999999/],
        [variant((d) => (d.roles[3].permissions = ['launch.rockets'])), /^\$\.roles\[3\]\.permissions\[0\]: "launch.rockets" is not a permission/],
        [variant((d) => (d.organization.timeZone = 'Mars/Olympus')), /^\$\.organization\.timeZone: /],
        [variant((d) => (d.members[5].name = 'a\u0000b')), /^\$\.members\[5\]\.name: .*control character/],
        [variant((d) => (d.members[4].name = 'invoice\u202Egnp.exe')), /^\$\.members\[4\]\.name: the name contains a hidden text-direction control \(U\+202E\)/],
        [variant((d) => (d.accounts[0].name = ' \u200b ')), /^\$\.accounts\[0\]\.name: the name is empty: type a name/],
        [variant((d) => d.members.pop()), /^\$\.end\.members: .*cut short/],
        [variant((d) => (d.members[7].email = d.members[8].email)), /^\$\.members\[8\]\.email: .* twice/],
      ];
      for (const [text, message] of cases) {
        const e = await caught(importFile(other, text));
        expect(e.domainCode, text.slice(0, 40)).toBe('VALIDATION');
        expect(e.message).toMatch(message);
      }
      const orgs = (await other.auth.state()).me?.organizations ?? [];
      expect(orgs.map((o: { name: string }) => o.name)).toEqual(['Third']);
      expect(Object.values(await other.members.counts()).reduce((a, b) => a + (typeof b === 'number' ? b : 0), 0)).toBe(1);
    } finally {
      await fresh.close();
    }
  }, 60_000);

  it('imports off the request path: a list asked while the import writes is answered before it ends', async () => {
    const other = await signedIn(target, 'owner@acme.test');
    const { me } = await other.auth.state();
    const organizationId = me!.organization.id;
    const person = (await findMember(target.store.db, organizationId, me!.memberId))!.person_id!;
    const actor = { personId: person, memberId: me!.memberId, label: 'owner@acme.test', email: 'owner@acme.test', authz: await loadAuthz(target.store.db, organizationId, me!.memberId) };
    const doc = JSON.parse(file) as { organization: { name: string } };
    doc.organization.name = 'Acme (copy)';
    const uploadId = await upload(other, JSON.stringify(doc));
    const order: string[] = [];
    let listed: Promise<number> | null = null;
    const result = await importCommit(target.services.deps, actor, organizationId, uploadId, (p) => {
      // The signal: the import is inside its transaction, writing members.
      if (p.stage === 'writing' && !listed)
        listed = other.members.list({}).then((l) => {
          order.push('list');
          return l.items.length;
        });
    }).then((r) => {
      order.push('import');
      return r;
    });
    expect(listed).not.toBeNull();
    const before = await listed;
    expect(order).toEqual(['list', 'import']);
    expect(result.members).toBe(2105);
    // The list saw the organization it was asked in, unchanged by the import running beside it.
    expect((await other.members.list({})).items.length).toBe(before);
  }, 120_000);

  it('is for Owners only', async () => {
    const admin = await signedIn(source, 'admin@acme.test');
    expect((await caught(admin.orgTransfer.exportChunk({ cursor: null }))).domainCode).toBe('OWNER_ONLY');
    expect((await caught(admin.orgTransfer.importPart({ uploadId: null, text: '{' }))).domainCode).toBe('OWNER_ONLY');
  });

  it('ends the file with the count it wrote: a cursor the server did not issue is refused', async () => {
    const first = await owner.orgTransfer.exportChunk({ cursor: null });
    const issued = first.next!;
    // Past the last member, claiming 5 written: before, the ending said "members": 5 with no member in it.
    for (const cursor of [{ afterId: 999999, written: 5, sig: issued.sig }, { ...issued, written: 5 }, { ...issued, sig: '' }, { afterId: 999999, written: 5, sig: 'x'.repeat(43) }]) {
      const err = await caught(owner.orgTransfer.exportChunk({ cursor }));
      expect(err.domainCode, JSON.stringify(cursor)).toBe('VALIDATION');
      expect(err.message).toBe('This export was interrupted (Roster restarted, or the request was changed): export the organization again.');
    }
    // A cursor of this organization's export is not one of another organization's.
    const second = await owner.orgTransfer.exportChunk({ cursor: issued });
    expect(second.next).toMatchObject({ written: 2000 });
    const elsewhere = await signedIn(source, OWNER_EMAIL);
    await elsewhere.auth.switchOrganization({ organizationId: (await elsewhere.organizations.create({ name: 'Other' })).id });
    expect((await caught(elsewhere.orgTransfer.exportChunk({ cursor: second.next }))).domainCode).toBe('VALIDATION');
    // The cursors it issued go on to the end, whose count is what was written.
    const rest = await owner.orgTransfer.exportChunk({ cursor: second.next });
    expect(rest.next).toBeNull();
    expect(rest.text).toContain(`"end": { "members": ${second.next!.written + (rest.text.match(/^ \{"key"/gm) ?? []).length} }`);
  });

  it("tells where the store is (the SQLite file's path) to the install Owner only, as the move", async () => {
    source.services.store = createStoreRuntime({ store: source.store as OpenedStore & { hold: WriteHold }, dataDir: source.dir, databaseUrl: null, source: null, clock: source.clock });
    const admin = await signedIn(source, 'admin@acme.test');
    const refused = await caught(admin.orgTransfer.store());
    expect(refused.domainCode).toBe('OWNER_ONLY');
    expect(refused.message).not.toContain(source.dir);
    const shown = await owner.orgTransfer.store();
    expect(shown.info).toEqual({ kind: 'sqlite', file: join(source.dir, 'roster.sqlite'), source: null });
  });
});
