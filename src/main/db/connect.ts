import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Database } from './database';
import type { DialectName } from './dialect';
import { staticMigrationProvider } from './migrations';

export const DATABASE_FILE = 'roster.sqlite';

export interface OpenedStore {
  db: Kysely<Database>;
  /** Which store this is: the desktop's SQLite file or a shared PostgreSQL database (team mode). */
  dialect: DialectName;
  /** The raw SQLite handle, for pragmas, backups and benchmarks' baseline only; null on PostgreSQL. */
  sqlite: SQLite.Database | null;
  close(): Promise<void>;
}

/** Opens (creating if needed) the store and applies the pragmas every connection needs. */
export function openSqlite(file: string): SQLite.Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  // FULL: a committed change survives a power cut, which an admin tool owes its audit trail.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  return sqlite;
}

export async function migrateToLatest(db: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({ db, provider: staticMigrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(
      `The database could not be brought up to date (migration ${failed?.migrationName ?? '?'}): ${String(error)}`,
    );
  }
}

export async function openStore(file: string): Promise<OpenedStore> {
  const sqlite = openSqlite(file);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  await migrateToLatest(db);
  return {
    db,
    dialect: 'sqlite',
    sqlite,
    close: async () => {
      await db.destroy();
    },
  };
}
