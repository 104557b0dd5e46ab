import SQLite from 'better-sqlite3';
import { stat } from 'node:fs/promises';

/** The log's size past which its pages are copied into the database file (SQLite's default: 1,000 pages). */
export const LOG_CHECKPOINT_BYTES = 4 * 1024 * 1024;
const CHECK_EVERY_MS = 2_000;

/**
 * Copies the write-ahead log into the database file as far as readers allow, on a connection of its
 * own: PASSIVE never waits for a reader and never holds a writer up. Returns whether frames are left.
 */
export function checkpointLog(file: string): boolean {
  // The file is in WAL mode already (a persistent setting); a checkpoint needs nothing else.
  const db = new SQLite(file);
  try {
    return passiveCheckpoint(db);
  } finally {
    db.close();
  }
}

/** A PASSIVE checkpoint on `db`; whether frames are left in the log. */
function passiveCheckpoint(db: SQLite.Database): boolean {
  const [result] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number; checkpointed: number }[];
  return !!result && result.checkpointed < result.log;
}

/**
 * Keeps the main connection from ever checkpointing on the event loop. SQLite's automatic
 * checkpoint runs inside the COMMIT that finds the log past 1,000 pages: after a worker batch (tens
 * of megabytes of log) every admin's next edits paid for copying it, 160–220 ms each, with every
 * other request waiting. The main connection's automatic checkpoint is off (connect.ts); this
 * watches the log's size off the thread and has it copied where `offThread` says (the batch
 * worker), or, with no worker, here.
 */
export function watchLog(file: string, main: () => SQLite.Database, offThread: () => ((file: string) => Promise<boolean>) | undefined): () => void {
  let lastSize = -1;
  let framesLeft = false;
  let running = false;
  const check = async () => {
    if (running) return;
    running = true;
    try {
      const size = (await stat(`${file}-wal`).catch(() => null))?.size ?? 0;
      if (size < LOG_CHECKPOINT_BYTES || (size === lastSize && !framesLeft)) return;
      lastSize = size;
      const worker = offThread();
      framesLeft = worker ? await worker(file) : passiveCheckpoint(main());
    } catch {
      // A failed checkpoint leaves the log as it was: the next check tries again.
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void check(), CHECK_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
