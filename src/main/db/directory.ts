import { openStore, type OpenedStore } from './connect';
import { openPostgres, type PostgresOptions } from './connect-postgres';
import { WriteHold } from './write-hold';

/**
 * Where the directory lives, chosen once at start: the desktop's SQLite file (the default, no
 * set-up) or a shared PostgreSQL database (team mode). Both give the same OpenedStore.
 */
export type DirectoryLocation = { sqlitePath: string } | ({ databaseUrl: string } & PostgresOptions);

export async function openDirectory(where: DirectoryLocation): Promise<OpenedStore & { hold: WriteHold }> {
  const store = 'databaseUrl' in where ? await openPostgres(where.databaseUrl, where) : await openStore(where.sqlitePath);
  // Every query of the process goes through the hold (db/write-hold.ts): the move to PostgreSQL pauses writes with it.
  const hold = new WriteHold();
  store.db = store.db.withPlugin(hold);
  return Object.assign(store, { hold });
}

/** A URL with its password masked, for logs and the Settings screen. */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(malformed URL)';
  }
}
