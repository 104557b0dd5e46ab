import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { expect, it } from 'vitest';
import { openSqlite } from '../../../src/main/db/connect';
import { staticMigrationProvider } from '../../../src/main/db/migrations';
import { BUILTIN_ROLE_DESCRIPTIONS } from '../../../src/shared/permissions';

it('migration 0012 describes the built-in roles of an existing organization and keeps what an admin wrote', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'roster-0012-'));
  const sqlite = openSqlite(join(dir, 'roster.sqlite'));
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    const migrator = new Migrator({ db, provider: staticMigrationProvider });
    expect((await migrator.migrateTo('0011_versions')).error).toBeUndefined();
    const now = '2025-01-01T00:00:00.000Z';
    sqlite.prepare("INSERT INTO organization (id, name, created_at) VALUES (1, 'Acme', ?)").run(now);
    const role = sqlite.prepare('INSERT INTO role (organization_id, name, builtin, description, created_at) VALUES (1, ?, ?, ?, ?)');
    role.run('Owner', 'owner', '', now);
    role.run('Admin', 'admin', 'Our own words', now);
    role.run('Member', 'member', '', now);
    role.run('Support', null, '', now);
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    const rows = sqlite.prepare('SELECT name, description FROM role ORDER BY id').all();
    expect(rows).toEqual([
      { name: 'Owner', description: BUILTIN_ROLE_DESCRIPTIONS.owner },
      { name: 'Admin', description: 'Our own words' },
      { name: 'Member', description: BUILTIN_ROLE_DESCRIPTIONS.member },
      { name: 'Support', description: '' },
    ]);
  } finally {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
