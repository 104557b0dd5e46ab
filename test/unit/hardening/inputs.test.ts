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
