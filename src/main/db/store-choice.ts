import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The store this install chose in Settings (issue 13): after "Move to PostgreSQL" the data folder
 * holds `store.json`, read at start by the store chooser (runtime.ts). ROSTER_DATABASE_URL and
 * --database-url still win over it. The file holds the database URL with its password, like the
 * data folder's other private files: written owner-only (0600), never logged (redactDatabaseUrl).
 * Removing the file goes back to the SQLite file, which the move left untouched.
 */
export const STORE_CHOICE_FILE = 'store.json';

export interface StoreChoice {
  store: 'postgres';
  databaseUrl: string;
  chosenAt: string;
}

export function readStoreChoice(dataDir: string): StoreChoice | null {
  const file = join(dataDir, STORE_CHOICE_FILE);
  if (!existsSync(file)) return null;
  let parsed: Partial<StoreChoice>;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<StoreChoice>;
  } catch (e) {
    throw new Error(`${file} is not valid JSON (${e instanceof Error ? e.message : String(e)}): fix it, or remove it to open the SQLite file of this folder.`);
  }
  if (parsed.store !== 'postgres' || typeof parsed.databaseUrl !== 'string' || !parsed.databaseUrl)
    throw new Error(`${file} does not name a PostgreSQL database ("store": "postgres", "databaseUrl": "postgres://…"): fix it, or remove it to open the SQLite file of this folder.`);
  return { store: 'postgres', databaseUrl: parsed.databaseUrl, chosenAt: parsed.chosenAt ?? '' };
}

/** Written whole then renamed over: a crash leaves the old choice or the new one, never half a file. */
export function writeStoreChoice(dataDir: string, databaseUrl: string, now: Date): void {
  const file = join(dataDir, STORE_CHOICE_FILE);
  const temp = `${file}.${process.pid}.tmp`;
  const choice: StoreChoice = { store: 'postgres', databaseUrl, chosenAt: now.toISOString() };
  writeFileSync(temp, `${JSON.stringify(choice, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, file);
}

/** Forgets the choice (the first screen's "keep it on this computer"): the next start opens the SQLite file. */
export function removeStoreChoice(dataDir: string): void {
  rmSync(join(dataDir, STORE_CHOICE_FILE), { force: true });
}

/** Where the directory comes from, in order: --database-url, ROSTER_DATABASE_URL, the Settings choice, else SQLite. */
export function chooseStore(dataDir: string, flag: string | null | undefined, env: NodeJS.ProcessEnv = process.env): { databaseUrl: string | null; source: 'flag' | 'env' | 'settings' | null } {
  if (flag) return { databaseUrl: flag, source: 'flag' };
  if (env.ROSTER_DATABASE_URL) return { databaseUrl: env.ROSTER_DATABASE_URL, source: 'env' };
  const chosen = readStoreChoice(dataDir);
  return chosen ? { databaseUrl: chosen.databaseUrl, source: 'settings' } : { databaseUrl: null, source: null };
}
