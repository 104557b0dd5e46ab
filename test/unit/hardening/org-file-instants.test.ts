/**
 * Instants in an organization file (the adversarial pass of 2026-12-07, second). The file's format
 * accepts ISO instants with an offset ("…+14:00") or without milliseconds; the store compares instants
 * as text written by toISOString, so such a value was stored as written and an invitation imported
 * with "+14:00" stayed pending 14 hours past its expiry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findMember } from '../../../src/main/db/repos/members.repo';
import { parseOrganizationFile } from '../../../src/main/services/org-transfer-format';
import { createEnv, exportFile, invite, OWNER_EMAIL, registerOwner, signedIn, type TestEnv } from '../helpers';

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
