import type { Worker } from 'node:worker_threads';
import type { OpenedSqliteStore, OpenedStore } from '../db/connect';
import type { MemberFilter } from '../db/repos/members.repo';
import type { ReadRunner } from '../services/deps';
import { reviveError } from './errors';
import type { ReadJob, ReadMessage, ReadRequest } from './read-jobs';
import { startWorker } from './script';

/**
 * Reads that grow with the directory (the count of a search's matches: 100–500 ms at a million
 * members) run in a worker thread of their own with a read-only connection, so the event loop keeps
 * answering every admin meanwhile, and a long batch in the batch worker does not delay them (WAL:
 * they read the last commit). A worker that dies is replaced at the next read. PostgreSQL has no
 * runner: its pool keeps the event loop free.
 */
export class SqliteReadRunner implements ReadRunner {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(n: number): void; reject(e: unknown): void }>();
  /** Reads sent and not answered: a restore waits for them to end, then has the worker close its connection. */
  private running = 0;
  private drained: (() => void) | null = null;
  /** While a restore swaps the file, new reads wait for it. */
  private paused: Promise<void> | null = null;

  constructor(private readonly file: string) {}

  async countMatching(filter: MemberFilter): Promise<number> {
    return this.send({ kind: 'count-matching', file: this.file, filter });
  }

  /** Runs `fn` with no read on the file (a restore swaps it in there); reads asked meanwhile wait. */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    while (this.paused) await this.paused;
    let release!: () => void;
    this.paused = new Promise((r) => (release = r));
    try {
      if (this.running > 0) await new Promise<void>((r) => (this.drained = r));
      if (this.worker) await this.post({ kind: 'release' });
      return await fn();
    } finally {
      this.paused = null;
      release();
    }
  }

  async close(): Promise<void> {
    const w = this.worker;
    if (!w) return;
    // The connection is closed on the worker's thread before it ends.
    await this.post({ kind: 'release' }).catch(() => undefined);
    this.worker = null;
    await w.terminate();
  }

  private async send(job: ReadJob): Promise<number> {
    while (this.paused) await this.paused;
    this.running++;
    try {
      return await this.post(job);
    } finally {
      if (--this.running === 0 && this.drained) {
        this.drained();
        this.drained = null;
      }
    }
  }

  private post(job: ReadJob): Promise<number> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<number>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, job } satisfies ReadRequest);
    });
  }

  private start(): Worker {
    const onMessage = (m: ReadMessage) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.type === 'done') p.resolve(m.result);
      else p.reject(reviveError(m.error));
    };
    const worker = startWorker('read-worker', onMessage, (reason) => {
      if (this.worker === worker) this.worker = null;
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        p.reject(reason instanceof Error ? reason : new Error(`The read worker stopped (${reason}).`));
      }
    });
    this.worker = worker;
    return worker;
  }
}

/** The runner for a store: SQLite files get a read worker; PostgreSQL and in-memory stores read in the process. */
export function readRunnerFor(store: OpenedStore): SqliteReadRunner | undefined {
  const sqlite = store as Partial<OpenedSqliteStore>;
  if (store.dialect !== 'sqlite' || !sqlite.file || sqlite.file === ':memory:') return undefined;
  const runner = new SqliteReadRunner(sqlite.file);
  sqlite.reads = runner;
  return runner;
}
