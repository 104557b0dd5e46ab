import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { openStore } from '../../../src/main/db/connect';

/**
 * Team mode taught the frozen migrations to branch on the dialect. A desktop directory made
 * before that must look exactly like one made after: this pins the SQLite schema of a fresh
 * store (every table, index, trigger and virtual table, with its SQL text) to a fixture.
 * The fixture is written once (when missing) from the migrations as they shipped; to change it on
 * purpose, delete it and say why in the commit.
 */
const FIXTURE = join(__dirname, 'fixtures', 'sqlite-schema.json');

it('a fresh desktop directory has exactly the schema the shipped migrations made', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'roster-schema-'));
  const store = await openStore(join(dir, 'roster.sqlite'));
  try {
    const rows = store.sqlite!
      .prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'kysely_%' ORDER BY type, name")
      .all();
    if (!existsSync(FIXTURE)) writeFileSync(FIXTURE, `${JSON.stringify(rows, null, 2)}\n`);
    expect(rows).toEqual(JSON.parse(readFileSync(FIXTURE, 'utf8')));
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
