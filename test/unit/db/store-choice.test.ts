import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chooseStore, STORE_CHOICE_FILE, writeStoreChoice } from '../../../src/main/db/store-choice';

/** The store chooser at start: --database-url, then ROSTER_DATABASE_URL, then Settings' recorded choice, else SQLite. */
describe('choosing the store at start', () => {
  const dirs: string[] = [];
  const folder = () => {
    const d = mkdtempSync(join(tmpdir(), 'roster-choice-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('opens the SQLite file when nothing chose PostgreSQL', () => {
    expect(chooseStore(folder(), null, {})).toEqual({ databaseUrl: null, source: null });
  });

  it('follows the recorded choice, which the flag and the environment still override', () => {
    const dir = folder();
    writeStoreChoice(dir, 'postgres://roster:pw@db.example.org/roster', new Date('2026-12-06T04:00:00Z'));
    expect(statSync(join(dir, STORE_CHOICE_FILE)).mode & 0o077).toBe(0);
    expect(chooseStore(dir, null, {})).toEqual({ databaseUrl: 'postgres://roster:pw@db.example.org/roster', source: 'settings' });
    expect(chooseStore(dir, null, { ROSTER_DATABASE_URL: 'postgres://a@env/db' })).toEqual({ databaseUrl: 'postgres://a@env/db', source: 'env' });
    expect(chooseStore(dir, 'postgres://a@flag/db', { ROSTER_DATABASE_URL: 'postgres://a@env/db' })).toEqual({ databaseUrl: 'postgres://a@flag/db', source: 'flag' });
  });

  it('refuses to start on a damaged choice, saying which file and how to go back to SQLite', () => {
    const dir = folder();
    writeFileSync(join(dir, STORE_CHOICE_FILE), '{"store": "postgres", ');
    expect(() => chooseStore(dir, null, {})).toThrow(/store\.json is not valid JSON .*remove it to open the SQLite file/);
    writeFileSync(join(dir, STORE_CHOICE_FILE), '{"store": "mysql"}');
    expect(() => chooseStore(dir, null, {})).toThrow(/does not name a PostgreSQL database/);
  });
});
