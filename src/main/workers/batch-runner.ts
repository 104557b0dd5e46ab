import { setTimeout as delay } from 'node:timers/promises';
import type { Worker } from 'node:worker_threads';
import { DomainError } from '../core/errors';
import { reviveError } from './errors';
import { startWorker } from './script';
import type { OpenedSqliteStore, OpenedStore } from '../db/connect';
import { tidyBounds, TIDY_PAUSE_MS } from '../db/search-tidy';
import type { BatchProgress, BatchRunner, LinkIssued } from '../services/deps';
import type { BatchJob, WorkerMessage, WorkerRequest } from './jobs';

/**
 * Long batches (an invite batch of BATCH_WORKER_MIN_ENTRIES addresses or more) run in one worker
 * thread with its own connection to the SQLite file, so the main thread keeps answering reads
 * while they run (WAL: readers see the last commit). Jobs run one after the other; a worker that
 * dies is replaced at the next job. PostgreSQL (team mode) has no runner: its batches run on the
 * pool, asynchronously, in the process.
 */
export const BATCH_WORKER_MIN_ENTRIES = Number(process.env.ROSTER_BATCH_WORKER_MIN ?? 500);

interface Pending {
  resolve(v: { result: unknown; events: LinkIssued[] }): void;
  reject(e: unknown): void;
  onProgress?: (p: BatchProgress) => void;
}

export class SqliteBatchRunner implements BatchRunner {
  readonly minEntries = BATCH_WORKER_MIN_ENTRIES;
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** The chain of jobs: each starts when the previous one settled. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Jobs and exclusive sections queued or running: while any is, the main thread's writes wait (db/batch-gate.ts). */
  private active = 0;
  /** The search index tidy under way (tidySearch), and whether another was asked for while it ran. */
  private tidying: Promise<void> | null = null;
  private tidyAgain = false;
  private closed = false;
  /** Tidy steps run so far (tests and the bench count them). */
  tidySteps = 0;

  /**
   * `heldBecause` is the store's write hold (db/write-hold.ts): the worker's own connection does not go
   * through the main Kysely instance's plugin, so a batch that would start while the directory is
   * being moved to PostgreSQL is refused here, or it would write to SQLite after the snapshot.
   */
  constructor(
    private readonly file: string,
    private readonly heldBecause: () => string | null = () => null,
  ) {}

  run(job: Omit<BatchJob, 'file'>, onProgress?: (p: BatchProgress) => void): Promise<{ result: unknown; events: LinkIssued[] }> {
    const next = this.queue.then(() => {
      const held = this.heldBecause();
      if (held !== null) throw new DomainError('STORE_UNAVAILABLE', held);
      return this.send({ ...job, file: this.file } as BatchJob, onProgress);
    });
    const done = this.enqueue(next);
    // The batch or import added segments to the search index: it is tidied once they are done.
    void done.then(() => this.tidySearch(), () => undefined);
    return done;
  }

  /** Starts the worker ahead of the first batch (it loads the service code, the disposable-domain list among it). */
  warm(): void {
    if (!this.worker && !this.closed) this.start();
  }

  /**
   * Copies the store's log into its file on the worker's thread (db/log-checkpoints.ts), beside any
   * batch: not queued behind one, and the main thread's writes do not wait for it.
   */
  async checkpoint(file: string): Promise<boolean> {
    const { result } = await this.send({ kind: 'checkpoint', file });
    return result === true;
  }

  /** Runs `fn` between two batches: none runs meanwhile (a restore swaps the file in it; the restored file's search index is tidied after). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const done = this.enqueue(this.queue.then(fn));
    void done.then(() => this.tidySearch(), () => undefined);
    return done;
  }

  /**
   * Merges the search index's segments into one (db/search-tidy.ts), one step per queued job: each
   * a short write transaction in the worker that the main thread's writes wait for asynchronously
   * (db/batch-gate.ts), the next one queued only after a pause and when no other job is queued or
   * running, so a batch or an admin's edit waits for one step at most. Ends when a step merged
   * nothing; skipped while the store is being moved to PostgreSQL (the write hold) or after close.
   * Asked for while it runs, it runs once more after. Never rejects.
   */
  tidySearch(): Promise<void> {
    if (this.tidying) {
      this.tidyAgain = true;
      // Settles with the run asked for (started in the finally below, once this one ends).
      return this.tidying.then(() => this.tidying ?? undefined);
    }
    const tidying = this.tidyRuns().finally(() => {
      this.tidying = null;
      if (this.tidyAgain && !this.closed) void this.tidySearch();
    });
    this.tidying = tidying;
    return tidying;
  }

  private async tidyRuns(): Promise<void> {
    try {
      do {
        this.tidyAgain = false;
        for (let start = true; ; start = false) {
          await delay(TIDY_PAUSE_MS, undefined, { ref: false });
          while (this.active > 0 || this.tidyHolds > 0) {
            await this.idle();
            await delay(TIDY_PAUSE_MS, undefined, { ref: false });
          }
          if (this.closed) return;
          const step = this.queue.then(() => (this.heldBecause() !== null ? null : this.send({ kind: 'search-tidy', file: this.file, pages: tidyBounds.pages, start })));
          const reply = await this.enqueue(step);
          if (reply === null) return;
          this.tidySteps++;
          if (reply.result !== true) break;
        }
      } while (this.tidyAgain && !this.closed);
    } catch {
      // A step that failed (the worker stopped, the file busy past the timeout) is undone; the
      // index stays as merged so far, and the next occasion tidies it again.
    }
  }

  /** Backups under way: the tidy takes no step meanwhile (db/backup.ts). */
  private tidyHolds = 0;

  /**
   * Holds the tidy's next steps until the returned release is called: SQLite's online backup starts
   * over whenever another connection commits, and a tidy commits every few milliseconds for seconds.
   */
  holdTidy(): () => void {
    this.tidyHolds++;
    let released = false;
    return () => {
      if (!released) this.tidyHolds--;
      released = true;
    };
  }

  private enqueue<T>(next: Promise<T>): Promise<T> {
    this.active++;
    const settled = next.then(
      () => void this.active--,
      () => void this.active--,
    );
    this.queue = settled;
    return next;
  }

  get busy(): boolean {
    return this.active > 0;
  }

  /** Resolves once no batch runs or waits (a restore waits for it). */
  async idle(): Promise<void> {
    let seen: Promise<unknown>;
    do {
      seen = this.queue;
      await seen;
    } while (seen !== this.queue);
  }

  async close(): Promise<void> {
    this.closed = true;
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }

  private send(job: BatchJob, onProgress?: (p: BatchProgress) => void): Promise<{ result: unknown; events: LinkIssued[] }> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      worker.postMessage({ id, job } satisfies WorkerRequest);
    });
  }

  private start(): Worker {
    const onMessage = (m: WorkerMessage) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      if (m.type === 'progress') return p.onProgress?.(m.progress);
      this.pending.delete(m.id);
      if (m.type === 'done') p.resolve({ result: m.result, events: m.events });
      else p.reject(reviveError(m.error));
    };
    const worker = startWorker('batch-worker', onMessage, (reason) => {
      if (this.worker === worker) this.worker = null;
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        p.reject(reason instanceof Error ? reason : new Error(`The batch worker stopped (${reason}); nothing of the batch was saved.`));
      }
    });
    this.worker = worker;
    return worker;
  }
}

/** The runner for a store: SQLite files get a worker; PostgreSQL and in-memory stores run batches in the process. */
export function batchRunnerFor(store: OpenedStore): SqliteBatchRunner | undefined {
  const sqlite = store as Partial<OpenedSqliteStore> & { hold?: { held: string | null } };
  if (store.dialect !== 'sqlite' || !sqlite.file || sqlite.file === ':memory:') return undefined;
  const runner = new SqliteBatchRunner(sqlite.file, () => sqlite.hold?.held ?? null);
  sqlite.batches = runner;
  return runner;
}
