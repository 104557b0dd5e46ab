import SQLite from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseProblem } from '../../../src/main/api/errors';
import { caught, createEnv, registerOwner, type Caller, type TestEnv } from '../helpers';

let env: TestEnv;
let owner: Caller;

beforeAll(async () => {
  env = await createEnv();
  owner = (await registerOwner(env)).caller;
});

afterAll(async () => {
  await env.close();
});

describe('text at the router (issue 16, also)', () => {
  it('a NUL in the members search is a clear error, not a 500', async () => {
    const err = await caught(owner.members.list({ search: 'ab\u0000c' }));
    expect(err.code).toBe('BAD_REQUEST');
    expect(err.domainCode).toBe('VALIDATION');
    expect(err.message).toBe('search: the text contains an invisible control character: remove it and try again.');
  });

  it('a lone surrogate in a role name is refused, not stored as "���"', async () => {
    const err = await caught(owner.roles.create({ name: 'Team \uD83D lead' }));
    expect(err.domainCode).toBe('VALIDATION');
    expect(err.message).toContain('name: the text contains a broken character');
    const again = await caught(owner.roles.create({ name: 'Team \uDE00 lead' }));
    expect(again.domainCode).toBe('VALIDATION');
    expect((await owner.roles.list()).map((r) => r.name)).not.toContain('Team \uFFFD lead');
    // A whole emoji is fine.
    await owner.roles.create({ name: 'Team 😀 lead' });
  });

  it('quotes and operators in a search are searched as text', async () => {
    for (const search of ['"unterminated', 'a OR b NEAR(', '*^-']) expect((await owner.members.list({ search })).items).toEqual([]);
  });
});

describe('database errors never reach the user as a bare 500', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'roster-dberr-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function errorOf(f: () => unknown): unknown {
    try {
      f();
    } catch (e) {
      return e;
    }
    throw new Error('expected an error');
  }

  it('a duplicate, a full disk and an unreadable search get sentences a user can act on', () => {
    const db = new SQLite(join(dir, 'x.sqlite'));
    db.exec('CREATE TABLE t (name TEXT UNIQUE, pad BLOB); CREATE VIRTUAL TABLE s USING fts5(x);');
    db.prepare('INSERT INTO t (name) VALUES (?)').run('a');
    const dup = databaseProblem(errorOf(() => db.prepare('INSERT INTO t (name) VALUES (?)').run('a')));
    expect(dup?.code).toBe('IN_USE');
    const fts = databaseProblem(errorOf(() => db.prepare('SELECT * FROM s WHERE s MATCH ?').all('"abc')));
    expect(fts?.code).toBe('VALIDATION');
    // A disk that fills up: the store may not grow past its current size.
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    const full = databaseProblem(errorOf(() => db.prepare('INSERT INTO t (name, pad) VALUES (?, randomblob(100000))').run('b')));
    expect(full?.code).toBe('STORE_UNAVAILABLE');
    expect(full?.message).toMatch(/^The disk is full/);
    db.close();
    expect(databaseProblem(new Error('something else'))).toBeNull();
  });
});

describe('organization settings: the SMS gateway address and the time zone', () => {
  const form = async () => {
    const { version: _v, ...s } = await owner.organizations.settings();
    return s;
  };

  it('refuses an SMS gateway address URL cannot parse, another scheme, or one carrying a user name', async () => {
    for (const smsWebhookUrl of ['http://[::1', 'http://', 'ftp://sms.example.com/send', 'javascript:alert(1)', 'https://user:key@sms.example.com/send']) {
      const err = await caught(owner.organizations.updateSettings({ ...(await form()), smsWebhookUrl }));
      expect(err.domainCode, smsWebhookUrl).toBe('VALIDATION');
      expect(err.field, smsWebhookUrl).toBe('smsWebhookUrl');
    }
    expect((await caught(owner.organizations.updateSettings({ ...(await form()), smsWebhookUrl: 'http://[::1' }))).issue).toBe(
      'The SMS gateway address must be a web address starting with http:// or https://, e.g. https://sms.example.com/send.',
    );
    expect((await owner.organizations.settings()).smsWebhookUrl).toBeNull();
    for (const smsWebhookUrl of ['http://[::1]:8080/sms', 'https://sms.example.com/send?key=abc'])
      expect((await owner.organizations.updateSettings({ ...(await form()), smsWebhookUrl })).smsWebhookUrl).toBe(smsWebhookUrl);
  });

  it('stores the time zone in its canonical IANA form and refuses an unknown one', async () => {
    expect((await owner.organizations.updateSettings({ ...(await form()), timeZone: 'europe/paris' })).timeZone).toBe('Europe/Paris');
    expect((await owner.organizations.settings()).timeZone).toBe('Europe/Paris');
    expect((await owner.organizations.updateSettings({ ...(await form()), timeZone: 'US/Eastern' })).timeZone).toBe('America/New_York');
    for (const timeZone of ['Mars/Olympus_Mons', '', 'Europe/Paris; DROP']) {
      const err = await caught(owner.organizations.updateSettings({ ...(await form()), timeZone }));
      expect(err.field, timeZone).toBe('timeZone');
      expect(err.issue, timeZone).toBe('Pick a time zone from the list (for example Europe/Paris).');
    }
    expect((await owner.organizations.settings()).timeZone).toBe('America/New_York');
  });
});
