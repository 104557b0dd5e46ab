import SQLite from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { APPLICATION_ID, openStore, SCHEMA_VERSION } from '../../../src/main/db/connect';

let dir: string;
let file: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'roster-identity-'));
  file = join(dir, 'roster.sqlite');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const digest = () => createHash('sha256').update(readFileSync(file)).digest('hex');

async function refusal(): Promise<string> {
  return openStore(file).then(
    async (s) => {
      await s.close();
      throw new Error('the store was opened');
    },
    (e: Error) => e.message,
  );
}

describe('only a Roster store is opened (issue 16, also)', () => {
  it('another application’s SQLite file named roster.sqlite is refused and left exactly as it was', async () => {
    const other = new SQLite(file);
    other.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('hello');");
    other.close();
    const before = digest();
    expect(await refusal()).toContain('is not a Roster store (another application');
    expect(digest()).toBe(before);
    const again = new SQLite(file, { readonly: true });
    expect(again.pragma('journal_mode', { simple: true })).toBe('delete');
    expect(again.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get()).toEqual({ n: 1 });
    again.close();
  });

  it('a file that is not SQLite at all is refused and untouched', async () => {
    writeFileSync(file, 'this is a text file, not a database '.repeat(200));
    const before = digest();
    expect(await refusal()).toMatch(/not a Roster store|cannot be opened/);
    expect(digest()).toBe(before);
  });

  it('a store made by a newer Roster says so, with its schema, instead of "corrupted migrations"', async () => {
    (await openStore(file)).close();
    const raw = new SQLite(file);
    raw.prepare('INSERT INTO kysely_migration (name, timestamp) VALUES (?, ?)').run('0099_future', new Date().toISOString());
    raw.close();
    expect(await refusal()).toContain(`made by a newer version of Roster (schema 99); this one reads up to schema ${SCHEMA_VERSION}. Update Roster.`);
  });

  it('a newer schema number in the header is refused too', async () => {
    (await openStore(file)).close();
    const raw = new SQLite(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(await refusal()).toContain(`(schema ${SCHEMA_VERSION + 1})`);
  });

  it('a new store is marked as Roster’s, and a store from before the mark still opens and gets it', async () => {
    const s = await openStore(file);
    expect(s.sqlite.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    expect(s.sqlite.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    s.sqlite.pragma('application_id = 0');
    s.sqlite.pragma('user_version = 0');
    await s.close();
    const reopened = await openStore(file);
    expect(reopened.sqlite.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    await reopened.close();
  });
});
