import { join } from 'node:path';
import { DATABASE_FILE, type OpenedStore } from './db/connect';
import { parseDatabaseUrl } from './db/connect-postgres';
import { openDirectory } from './db/directory';
import { chooseStore } from './db/store-choice';
import type { WriteHold } from './db/write-hold';

/**
 * The store a process works on, chosen and opened: --database-url, then ROSTER_DATABASE_URL, then
 * the choice Settings' move recorded (store.json), else the data folder's SQLite file. Web mode
 * opens it before it listens (a refused store stops it there), then starts the rest (runtime.ts).
 */
export interface ChosenStore {
  store: OpenedStore & { hold: WriteHold };
  databaseUrl: string | null;
  source: ReturnType<typeof chooseStore>['source'];
}

export async function openChosenStore(dataDir: string, flag: string | null | undefined): Promise<ChosenStore> {
  const { databaseUrl, source } = chooseStore(dataDir, flag);
  const store = await openDirectory(databaseUrl ? { databaseUrl } : { sqlitePath: join(dataDir, DATABASE_FILE) });
  return { store, databaseUrl, source };
}

/** The line web mode prints at start about where the directory lives (no password). */
export function describeStore({ databaseUrl, source }: ChosenStore): string {
  if (!databaseUrl) return 'Directory: this computer only (SQLite in the data folder)';
  const where = parseDatabaseUrl(databaseUrl);
  return `Directory: PostgreSQL ${where.user}@${where.host}:${where.port}/${where.database}${source === 'settings' ? ' (chosen in Settings: store.json)' : ''}`;
}
