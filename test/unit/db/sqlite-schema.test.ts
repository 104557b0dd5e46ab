import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { expect, it } from 'vitest';
import { openSqlite } from '../../../src/main/db/connect';
import { staticMigrationProvider } from '../../../src/main/db/migrations';

/**
 * Team mode taught the frozen migrations to branch on the dialect. A desktop directory made
 * before that must look exactly like one made after: this pins the SQLite schema that migrations
 * 0001–0006 make in a fresh file (every table, index, trigger and virtual table, with its SQL text)
 * to a fixture. Later migrations are not part of the pin, so adding one does not disturb it.
 * The fixture is written once (when missing) from the migrations as they shipped; to change it on
 * purpose, delete it and say why in the commit.
 */
const FIXTURE = join(__dirname, 'fixtures', 'sqlite-schema.json');

it('a fresh desktop directory has exactly the schema the shipped migrations made', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'roster-schema-'));
  const sqlite = openSqlite(join(dir, 'roster.sqlite'));
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    const { error } = await new Migrator({ db, provider: staticMigrationProvider }).migrateTo('0006_member_counts');
    expect(error).toBeUndefined();
    const rows = sqlite
      .prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'kysely_%' ORDER BY type, name")
      .all();
    if (!existsSync(FIXTURE)) writeFileSync(FIXTURE, `${JSON.stringify(rows, null, 2)}\n`);
    expect(rows).toEqual(JSON.parse(readFileSync(FIXTURE, 'utf8')));
  } finally {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
