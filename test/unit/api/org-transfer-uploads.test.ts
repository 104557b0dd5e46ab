/**
 * What an organization file's upload may hold in memory (the adversarial pass of 2026-12-07, third).
 * The cap was 512 M characters, above V8's longest string: a file at the cap went up part by part,
 * then `importCommit` answered 500 "RangeError: Invalid string length" when it joined them. And one
 * Owner could keep several such uploads open, each held until another import came along.
 * The limits are lowered here (importLimits) to reach them with small files.
 */
import { constants } from 'node:buffer';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { importLimits, IMPORT_PART_CHARS } from '../../../src/main/services/org-transfer';
import { caught, createEnv, exportFile, inviteAndAccept, registerOwner, signedIn, type Caller, type TestEnv } from '../helpers';

const defaults = { ...importLimits };

describe('organization file: the upload', () => {
  let env: TestEnv;
  let owner: Caller;
  let file = '';

  beforeAll(async () => {
    env = await createEnv();
    owner = (await registerOwner(env)).caller;
    await inviteAndAccept(env, owner, 'second-owner@acme.test', 'Owner');
    const doc = JSON.parse(await exportFile(owner)) as { organization: { name: string } };
    doc.organization.name = 'Acme (imported)';
    file = JSON.stringify(doc);
  });
  afterEach(() => Object.assign(importLimits, defaults));
  afterAll(async () => env?.close());

  const organizations = async (c: Caller) => ((await c.auth.state()).me?.organizations ?? []).map((o: { name: string }) => o.name);

  it('caps a file below the longest string the server can join, with room to spare', () => {
    expect(importLimits.maxChars).toBeLessThan(constants.MAX_STRING_LENGTH);
    expect(importLimits.maxChars / constants.MAX_STRING_LENGTH).toBeLessThanOrEqual(0.51);
  });

  it('refuses the part that would pass the cap, saying the limit, and keeps nothing', async () => {
    importLimits.maxChars = 1000;
    const first = await owner.orgTransfer.importPart({ uploadId: null, text: 'x'.repeat(600) });
    expect(first.received).toBe(600);
    const e = await caught(owner.orgTransfer.importPart({ uploadId: first.uploadId, text: 'x'.repeat(401) }));
    expect([e.code, e.domainCode]).toEqual(['BAD_REQUEST', 'VALIDATION']);
    expect(e.message).toBe('This file is larger than Roster imports (at most 1,000 characters): nothing was imported.');
    // The refused upload is gone: its parts are not held, and it cannot be committed.
    const commit = await caught(owner.orgTransfer.importCommit({ uploadId: first.uploadId }));
    expect([commit.domainCode, commit.message]).toEqual(['NOT_FOUND', 'This import was interrupted: choose the file again.']);
    expect(await organizations(owner)).toEqual(['Acme']);
    // At the cap exactly, the file goes up and is imported.
    importLimits.maxChars = file.length;
    let uploadId: string | null = null;
    for (let i = 0; i < file.length; i += 4096) uploadId = (await owner.orgTransfer.importPart({ uploadId, text: file.slice(i, i + 4096) })).uploadId;
    expect((await owner.orgTransfer.importCommit({ uploadId: uploadId! })).name).toBe('Acme (imported)');
  });

  it('says the cap in MB at its real size', async () => {
    importLimits.maxChars = 1024 * 1024;
    let uploadId: string | null = null;
    for (let i = 0; i < importLimits.maxChars / IMPORT_PART_CHARS; i++) uploadId = (await owner.orgTransfer.importPart({ uploadId, text: 'x'.repeat(IMPORT_PART_CHARS) })).uploadId;
    const e = await caught(owner.orgTransfer.importPart({ uploadId, text: 'x' }));
    expect(e.message).toBe('This file is larger than Roster imports (at most 1 MB): nothing was imported.');
  });

  it('holds one upload per person: choosing a file again drops the one left before', async () => {
    const left = await owner.orgTransfer.importPart({ uploadId: null, text: '{' });
    const again = await owner.orgTransfer.importPart({ uploadId: null, text: '{' });
    expect(again.uploadId).not.toBe(left.uploadId);
    const e = await caught(owner.orgTransfer.importPart({ uploadId: left.uploadId, text: '}' }));
    expect([e.domainCode, e.message]).toEqual(['NOT_FOUND', 'This import was interrupted: choose the file again.']);
    await caught(owner.orgTransfer.importCommit({ uploadId: again.uploadId }));
  });

  it('holds a few uploads per install: another Owner waits, then goes ahead once the first is done', async () => {
    importLimits.maxOpen = 1;
    const second = await signedIn(env, 'second-owner@acme.test');
    const mine = await owner.orgTransfer.importPart({ uploadId: null, text: '{' });
    const e = await caught(second.orgTransfer.importPart({ uploadId: null, text: '{' }));
    expect([e.code, e.domainCode]).toEqual(['CONFLICT', 'IN_USE']);
    expect(e.message).toBe('Another file is being imported on this Roster: try again once it is done (a file left unfinished is dropped after 15 minutes).');
    // A commit ends the upload, whatever its outcome ("{" is not JSON): the place is free again.
    expect((await caught(owner.orgTransfer.importCommit({ uploadId: mine.uploadId }))).message).toMatch(/not valid JSON/);
    const theirs = await second.orgTransfer.importPart({ uploadId: null, text: '{' });
    expect(theirs.received).toBe(1);
    await caught(second.orgTransfer.importCommit({ uploadId: theirs.uploadId }));
  });
});
