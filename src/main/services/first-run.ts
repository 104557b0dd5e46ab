import type { Kysely } from 'kysely';
import type { Clock } from '../core/clock';
import { DomainError } from '../core/errors';
import { isLoopbackHost } from '../core/external-links';
import type { Database } from '../db/database';
import { MoveRefusedError, testMoveTarget } from '../db/move-to-postgres';
import { countOrganizations } from '../db/repos/organizations.repo';
import { anyPersonWithPassword } from '../db/repos/people.repo';
import { readStoreChoice, removeStoreChoice, writeStoreChoice } from '../db/store-choice';

/**
 * The first-run choice of store (issue 13, item 1): before anyone registers, the desktop's first
 * screen offers "This computer only" (SQLite, the default: nothing to do) or "A shared PostgreSQL
 * server". A PostgreSQL URL is tested (reachable, credentials, and either an empty database or a
 * Roster directory; another application's database or a newer Roster's is refused, touching
 * nothing), then recorded in the data folder's store.json (0600, db/store-choice.ts) and Roster
 * asks for a restart: the next start opens PostgreSQL, where an empty database shows this register
 * screen again and an existing directory opens as it is (a second admin's desktop joining the team).
 *
 * These calls are public (no one can sign in yet) and connect to a host the caller names, so they
 * are fenced: only while the install has no organization and no password (refused with
 * ALREADY_REGISTERED afterwards), only from the desktop window or a loopback web client (FORBIDDEN
 * otherwise), one test at a time and at most TESTS_PER_MINUTE a minute (RATE_LIMITED). Passwords in
 * the URL are never echoed back: answers name host, port and database only.
 */

export const TESTS_PER_MINUTE = 10;

export type FirstRunTarget = { host: string; port: number; database: string; holds: 'empty' | 'roster' };

export interface FirstRunState {
  /** Whether the first screen may offer the choice: SQLite in use, no URL given at start, no one registered. */
  offered: boolean;
  /** A choice recorded but not yet in use (Roster has not restarted since). */
  chosen: { host: string; port: number; database: string } | null;
  /** Whether this process can restart itself (the desktop app, or web mode under `npm start`); else the person restarts it. */
  canRestart: boolean;
}

export interface FirstRun {
  state(client: string | undefined): Promise<FirstRunState>;
  test(client: string | undefined, databaseUrl: string): Promise<FirstRunTarget>;
  choose(client: string | undefined, databaseUrl: string): Promise<FirstRunTarget & { restart: true }>;
  /** Undoes a recorded choice before the restart: back to "This computer only". */
  keepLocal(client: string | undefined): Promise<{ ok: true }>;
  /** Restarts Roster on the recorded choice (only when one is recorded and this process can restart). */
  restart(client: string | undefined): Promise<{ restarting: true }>;
}

/** How the host restarts Roster: Electron relaunches the app; web mode under `npm start` asks its supervisor. */
export type RestartHook = () => void;

/** The restart comes a moment after the answer, so the window learns it is restarting before the process goes. */
export function restartSoon(hook: RestartHook): { restarting: true } {
  setTimeout(hook, 300).unref?.();
  return { restarting: true };
}

export const CANNOT_RESTART = 'Roster cannot restart itself here (web mode started without `npm start`): stop it and start it again.';

/** The desktop window (IPC) or a socket from this machine (web mode listens on loopback only). */
export function isLocalClient(client: string | undefined): boolean {
  if (client === 'desktop') return true;
  if (!client) return false;
  const address = client.replace(/^::ffff:/, '');
  return address === '::1' || isLoopbackHost(address);
}

function hostOf(databaseUrl: string): { host: string; port: number; database: string } | null {
  try {
    const u = new URL(databaseUrl);
    return { host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port ? Number(u.port) : 5432, database: decodeURIComponent(u.pathname.replace(/^\//, '')) };
  } catch {
    return null;
  }
}

export function createFirstRun(opts: {
  db: Kysely<Database>;
  dialect: 'sqlite' | 'postgres';
  dataDir: string;
  /** Where the store in use came from (a URL given at start wins over any choice made here). */
  source: 'flag' | 'env' | 'settings' | null;
  clock: Clock;
  restart?: RestartHook | null;
}): FirstRun {
  let inFlight = false;
  let recent: number[] = [];

  async function registered(): Promise<boolean> {
    return (await anyPersonWithPassword(opts.db)) || (await countOrganizations(opts.db)) > 0;
  }

  async function guard(client: string | undefined): Promise<void> {
    if (!isLocalClient(client))
      throw new DomainError('FORBIDDEN', 'The store can be chosen only on this computer, in the Roster window: a connection test reaches any host it is given.');
    if (await registered())
      throw new DomainError('ALREADY_REGISTERED', 'Roster is already set up here: the store can no longer be chosen on the first screen. The install Owner can move the directory from Settings.');
    if (opts.dialect !== 'sqlite' || opts.source === 'flag' || opts.source === 'env')
      throw new DomainError('VALIDATION', 'Roster was started with a database URL (--database-url or ROSTER_DATABASE_URL): that URL decides the store.');
  }

  async function probe(databaseUrl: string): Promise<FirstRunTarget> {
    const now = opts.clock.now().getTime();
    recent = recent.filter((t) => now - t < 60_000);
    if (inFlight || recent.length >= TESTS_PER_MINUTE) {
      const wait = inFlight ? 5 : Math.max(1, Math.ceil((60_000 - (now - recent[0]!)) / 1000));
      throw new DomainError('RATE_LIMITED', `Too many connection tests: wait ${wait} second${wait === 1 ? '' : 's'} and try again.`, { retryAfterSeconds: wait });
    }
    inFlight = true;
    recent.push(now);
    try {
      const where = await testMoveTarget(databaseUrl);
      return { host: where.host, port: where.port, database: where.database, holds: 'empty' };
    } catch (e) {
      if (!(e instanceof MoveRefusedError)) throw e;
      // A Roster directory with data: this desktop joins it (the move would refuse it; joining is the point here).
      if (e.refusal === 'target-not-empty') return { ...hostOf(databaseUrl)!, holds: 'roster' };
      throw new DomainError('VALIDATION', e.message.replace('nothing was moved', 'nothing was changed'), { field: 'databaseUrl' });
    } finally {
      inFlight = false;
    }
  }

  return {
    async state(client) {
      const offered = isLocalClient(client) && opts.dialect === 'sqlite' && opts.source === null && !(await registered());
      let chosen: FirstRunState['chosen'] = null;
      try {
        const choice = readStoreChoice(opts.dataDir);
        chosen = choice ? hostOf(choice.databaseUrl) : null;
      } catch {
        chosen = null;
      }
      return { offered, chosen: offered ? chosen : null, canRestart: !!opts.restart };
    },
    async test(client, databaseUrl) {
      await guard(client);
      return probe(databaseUrl);
    },
    async choose(client, databaseUrl) {
      await guard(client);
      // Tested again: what is recorded is what was checked a moment ago, not what a form held earlier.
      const target = await probe(databaseUrl);
      writeStoreChoice(opts.dataDir, databaseUrl, opts.clock.now());
      return { ...target, restart: true };
    },
    async keepLocal(client) {
      await guard(client);
      removeStoreChoice(opts.dataDir);
      return { ok: true };
    },
    async restart(client) {
      await guard(client);
      if (!readStoreChoice(opts.dataDir)) throw new DomainError('VALIDATION', 'Choose a database and use it first: nothing would change on a restart.');
      if (!opts.restart) throw new DomainError('VALIDATION', CANNOT_RESTART);
      return restartSoon(opts.restart);
    },
  };
}
