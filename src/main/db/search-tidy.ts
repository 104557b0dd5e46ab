import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { immediateTransactions } from './connect';
import type { Database, Db } from './database';
import { mergeSearchIndexStep, searchIndexSegments } from './repos/search-index.repo';

/**
 * The search index tidy (SQLite): member_search's segments merged back into one, a step at a time
 * on the batch worker's thread (workers/batch-runner.ts tidySearch: one queued job per step, the
 * next one only when no other job waits), so a main-thread write waits for about one step (or a
 * step for a main-thread transaction under way) and the event loop for none; no step is taken while
 * a backup copies the file. It runs after a batch or import in the worker, after a restore, a few seconds
 * after start-up, and when the timer below sees enough new segments. Stores without a batch worker
 * (in-memory ones: tests and demos, small) are not tidied: FTS5's own automerge keeps them usable.
 * PostgreSQL has nothing to tidy.
 */

/** Leaf pages a step writes (measured at 100,000 members: mostly 2–5 ms a step, at most ~17, 50–75 steps for the whole index). */
export const TIDY_PAGES = 32;
/** The bound in force: tests lower it to reach a tidy of many steps with a small store. */
export const tidyBounds = { pages: TIDY_PAGES };
/** The pause between two steps, for the main thread's writes waiting on the gate (db/batch-gate.ts) to go first. */
export const TIDY_PAUSE_MS = 10;
/** How often the timer looks at the index. */
const CHECK_EVERY_MS = 60_000;
/**
 * A tidy merges from this many segments (whatever asked for it: a batch, a restore, start-up, the timer): each one beyond the first adds about 5% to a search
 * (100,000 members: 0.114 ms with one, 0.132 ms with 4, 0.183 ms with 13), while a tidy rewrites the
 * whole index (about 17 MB and 50–75 steps at 100,000 members, ten times that at a million), too much
 * to repeat after every admin's edit.
 */
export const TIDY_SEGMENTS = 8;

/**
 * One step of the tidy on a connection of its own to the store's file (the batch worker's thread);
 * the first one does nothing unless the index has TIDY_SEGMENTS segments or more, whatever asked.
 * The file must exist: a store deleted meanwhile (a test's) is not recreated empty. Its commit does
 * not wait for an fsync (a lost step after a power cut is only merge work to redo) and does not
 * checkpoint (db/log-checkpoints.ts does).
 */
export async function tidySearchIndexStep(file: string, pages: number, start: boolean): Promise<boolean> {
  const sqlite = new SQLite(file, { fileMustExist: true });
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('wal_autocheckpoint = 0');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: immediateTransactions({ current: sqlite }) }) });
  try {
    // A tidy rewrites the whole index (170 MB of log at a million members): only for one fragmented enough to be worth it.
    if (start && (await searchIndexSegments(db)) < TIDY_SEGMENTS) return false;
    return await mergeSearchIndexStep(db, pages, start);
  } finally {
    await db.destroy();
  }
}

/**
 * The timer asks for a tidy at most this often: admins' edits alone reach TIDY_SEGMENTS after a few
 * dozen, and each tidy rewrites the whole index (at a million members ~430 steps, 7 s of the
 * worker's time and ~170 MB of log, every session's cached authorization read again after each step).
 */
export const TIDY_TIMER_SPACING_MS = 15 * 60_000;

/**
 * Looks at the search index every minute (a timer that keeps nothing alive) and asks for a tidy when
 * members were written enough since the last one to leave TIDY_SEGMENTS segments, at most once per
 * TIDY_TIMER_SPACING_MS. Returns its stop.
 */
export function watchSearchIndex(db: Db, tidy: () => Promise<void>, everyMs = CHECK_EVERY_MS, spacingMs = TIDY_TIMER_SPACING_MS): () => void {
  let running = false;
  let askedAt = -Infinity;
  const check = async () => {
    if (running || Date.now() - askedAt < spacingMs) return;
    running = true;
    try {
      if ((await searchIndexSegments(db)) >= TIDY_SEGMENTS) {
        askedAt = Date.now();
        await tidy();
      }
    } catch {
      // A store closed or moved meanwhile: the next check looks again.
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void check(), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
