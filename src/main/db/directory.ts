import { openStore, type OpenedStore } from './connect';
import { openPostgres, type PostgresOptions } from './connect-postgres';

/**
 * Where the directory lives, chosen once at start: the desktop's SQLite file (the default, no
 * set-up) or a shared PostgreSQL database (team mode). Both give the same OpenedStore.
 */
export type DirectoryLocation = { sqlitePath: string } | ({ databaseUrl: string } & PostgresOptions);

export async function openDirectory(where: DirectoryLocation): Promise<OpenedStore> {
  if ('databaseUrl' in where) return openPostgres(where.databaseUrl, where);
  return openStore(where.sqlitePath);
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
