import type { DbOrTx } from '../database';
import type { GuessCounter } from '../tables/team_state.table';
import { chunks } from './util';

/**
 * The guess limiter's counters (migration 0013), shared by every process on the database. Counts
 * change only through single atomic statements (INSERT … ON CONFLICT DO UPDATE … RETURNING, which
 * SQLite ≥ 3.35 and PostgreSQL both speak), never read-modify-write.
 */

export async function countersOf(db: DbOrTx, keys: string[]): Promise<GuessCounter[]> {
  if (keys.length === 0) return [];
  return db.selectFrom('guess_counter').selectAll().where('key', 'in', keys).execute();
}

/**
 * Counts one failure for `key`, atomically; a count whose last failure is older than `staleBefore`
 * starts again at 1. Returns the new count and the previous failure's time.
 */
export async function incrementCounter(db: DbOrTx, key: string, nowIso: string, staleBefore: string): Promise<{ failures: number; prev_at: string | null }> {
  return db
    .insertInto('guess_counter')
    .values({ key, failures: 1, last_at: nowIso, prev_at: null })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet((eb) => ({
        failures: eb.case().when('guess_counter.last_at', '<=', staleBefore).then(1).else(eb('guess_counter.failures', '+', 1)).end(),
        prev_at: eb.case().when('guess_counter.last_at', '<=', staleBefore).then(null).else(eb.ref('guess_counter.last_at')).end(),
        last_at: nowIso,
      })),
    )
    .returning(['failures', 'prev_at'])
    .executeTakeFirstOrThrow();
}

/** Takes one failure back (a success, or an attempt refused after it raced another); `restoreLastAt` also puts the previous time back. */
export async function decrementCounter(db: DbOrTx, key: string, restoreLastAt?: string | null): Promise<void> {
  await db
    .updateTable('guess_counter')
    .set((eb) => ({ failures: eb('failures', '-', 1), ...(restoreLastAt ? { last_at: restoreLastAt } : {}) }))
    .where('key', '=', key)
    .where('failures', '>', 0)
    .execute();
}

export async function deleteCounter(db: DbOrTx, key: string): Promise<void> {
  await db.deleteFrom('guess_counter').where('key', '=', key).execute();
}

/** Expired counters (last failure before `before`) go. */
export async function sweepCounters(db: DbOrTx, before: string): Promise<number> {
  const r = await db.deleteFrom('guess_counter').where('last_at', '<', before).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** A check just failed: its keys' last failure is now (the wait runs from the failure, not from the attempt's start). */
export async function markFailedAt(db: DbOrTx, keys: string[], nowIso: string): Promise<void> {
  if (keys.length === 0) return;
  await db.updateTable('guess_counter').set({ last_at: nowIso }).where('key', 'in', keys).where('last_at', '<', nowIso).execute();
}

/** Every counter (a restore of the SQLite store carries them over). */
export async function allCounters(db: DbOrTx): Promise<GuessCounter[]> {
  return db.selectFrom('guess_counter').selectAll().execute();
}

/** A restore's store gets the running store's counters instead of its own (a restore never winds a lockout back). */
export async function replaceCounters(db: DbOrTx, rows: GuessCounter[]): Promise<void> {
  await db.deleteFrom('guess_counter').execute();
  for (const part of chunks(rows, 500)) await db.insertInto('guess_counter').values(part).execute();
}
