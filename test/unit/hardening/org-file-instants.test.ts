/**
 * Instants in an organization file (the adversarial pass of 2026-12-07, second). The file's format
 * accepts ISO instants with an offset ("…+14:00") or without milliseconds; the store compares instants
 * as text written by toISOString, so such a value was stored as written and an invitation imported
 * with "+14:00" stayed pending 14 hours past its expiry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findMember } from '../../../src/main/db/repos/members.repo';
import { parseOrganizationFile } from '../../../src/main/services/org-transfer-format';
import { caught, createEnv, exportFile, invite, OWNER_EMAIL, registerOwner, signedIn, type Caller, type TestEnv } from '../helpers';

/** The instant `iso` written at a +14:00 offset, without milliseconds. */
function atPlus14(iso: string): string {
  const d = new Date(new Date(iso).getTime() + 14 * 3600_000);
  return `${d.toISOString().slice(0, 19)}+14:00`;
}

describe('organization file: instants', () => {
  let source: TestEnv;
  let target: TestEnv;
  let file: Record<string, any>;

  beforeAll(async () => {
    source = await createEnv();
    const owner = (await registerOwner(source)).caller;
    await invite(owner, 'pending@acme.test', 'Member');
    file = JSON.parse(await exportFile(owner));
  });
  afterAll(async () => {
    await source?.close();
    await target?.close();
  });

  it('every instant is read as the instant it names, written as the store writes them', async () => {
    const m = file.members.find((x: { email: string }) => x.email === 'pending@acme.test');
    const expires = m.inviteExpiresAt as string;
    m.inviteExpiresAt = atPlus14(expires);
    m.createdAt = atPlus14(m.createdAt);
    const parsed = await parseOrganizationFile(JSON.stringify(file));
    const read = parsed.members.find((x) => x.email === 'pending@acme.test')!;
    expect(read.inviteExpiresAt).toBe(new Date(Math.floor(new Date(expires).getTime() / 1000) * 1000).toISOString());
    expect(read.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('an imported invitation written at +14:00 expires when it says, not 14 hours later', async () => {
    const m = file.members.find((x: { email: string }) => x.email === 'pending@acme.test');
    file.organization.name = 'Acme Imported';
    target = await createEnv();
    const other = (await registerOwner(target, { organizationName: 'Other' })).caller;
    let uploadId: string | null = null;
    uploadId = (await other.orgTransfer.importPart({ uploadId, text: JSON.stringify(file) })).uploadId;
    const result = await other.orgTransfer.importCommit({ uploadId: uploadId! });
    await other.auth.switchOrganization({ organizationId: result.organizationId });
    const row = (await other.members.list({ search: 'pending@acme.test', limit: 5 })).items[0]!;
    const stored = (await findMember(target.store.db, result.organizationId, row.id))!;
    expect(stored.invite_expires_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    // One hour past the instant the file names: expired.
    const past = new Date(m.inviteExpiresAt).getTime() + 3600_000 - target.clock.now().getTime();
    target.clock.advance(past);
    const other2 = await signedIn(target, OWNER_EMAIL);
    await other2.auth.switchOrganization({ organizationId: result.organizationId });
    expect((await other2.members.list({ search: 'pending@acme.test', limit: 5 })).items[0]!.status).toBe('expired');
  });
});

/**
 * Years past 9999 or before 0000 once in UTC (the adversarial pass of 2026-12-07, third): the file
 * took "9999-12-31T23:59:59-23:59" and stored "+010000-01-01T23:58:59.000Z", which sorts as text
 * before every other instant and which Roster's own export then could not import again.
 */
describe('organization file: the years it takes', () => {
  let source: TestEnv;
  let target: TestEnv;
  let other: Caller;
  let file: Record<string, any>;

  beforeAll(async () => {
    source = await createEnv();
    const owner = (await registerOwner(source)).caller;
    await invite(owner, 'pending@acme.test', 'Member');
    file = JSON.parse(await exportFile(owner));
    target = await createEnv();
    other = (await registerOwner(target, { organizationName: 'Other' })).caller;
  });
  afterAll(async () => {
    await source?.close();
    await target?.close();
  });

  async function importText(text: string) {
    const { uploadId } = await other.orgTransfer.importPart({ uploadId: null, text });
    return other.orgTransfer.importCommit({ uploadId });
  }
  const organizations = async () => ((await other.auth.state()).me?.organizations ?? []).map((o: { name: string }) => o.name);

  it('refuses an instant outside the years 0000 to 9999 in UTC, with its path, and writes nothing', async () => {
    const before = await organizations();
    for (const [written, utc] of [
      ['9999-12-31T23:59:59-23:59', '+010000-01-01T23:58:59.000Z'],
      ['0000-01-01T00:00:00+00:01', '-000001-12-31T23:59:00.000Z'],
    ]) {
      const copy = structuredClone(file);
      copy.members[1].createdAt = written;
      const e = await caught(importText(JSON.stringify(copy)));
      expect([e.code, e.domainCode]).toEqual(['BAD_REQUEST', 'VALIDATION']);
      expect(e.message).toBe(`$.members[1].createdAt: a date between the years 0000 and 9999 is expected; in UTC this one is ${utc}: correct it.`);
    }
    expect(await organizations()).toEqual(before);
  });

  it('takes the first and the last instants of those years, and what it imported exports and imports again', async () => {
    const copy = structuredClone(file);
    copy.organization.name = 'Acme (years)';
    copy.organization.createdAt = '0000-01-01T00:00:00Z';
    const pending = copy.members.find((m: { email: string }) => m.email === 'pending@acme.test');
    pending.inviteExpiresAt = '9999-12-31T10:00:00-13:59';
    const first = await importText(JSON.stringify(copy));
    await other.auth.switchOrganization({ organizationId: first.organizationId });
    const again = JSON.parse(await exportFile(other));
    expect(again.organization.createdAt).toBe('0000-01-01T00:00:00.000Z');
    expect(again.members.find((m: { email: string }) => m.email === 'pending@acme.test').inviteExpiresAt).toBe('9999-12-31T23:59:00.000Z');
    again.organization.name = 'Acme (years, again)';
    expect((await importText(JSON.stringify(again))).members).toBe(first.members);
  });
});
