import { join } from 'node:path';
import type { Clock } from '../core/clock';
import { DomainError } from '../core/errors';
import { DATABASE_FILE, type OpenedStore } from '../db/connect';
import { parseDatabaseUrl } from '../db/connect-postgres';
import { moveToPostgres, MoveRefusedError, testMoveTarget, type MoveProgress } from '../db/move-to-postgres';
import { insertAuditRows } from '../db/repos/audit.repo';
import { writeStoreChoice } from '../db/store-choice';
import type { WriteHold } from '../db/write-hold';
import { isOwner, type AdminActor } from './actor';
import { auditRow } from './audit';
import { CANNOT_RESTART, createFirstRun, restartSoon, type FirstRun, type RestartHook } from './first-run';
import { isFirstOrganization } from './portal-settings';

/**
 * Which store this install uses, shown in Settings, and the install Owner's "Move to PostgreSQL"
 * (issue 13, items 1 and 4). The move: test the URL, note it in the audit, hold every write of the
 * process (db/write-hold.ts) and stop the senders, copy with db/move-to-postgres.ts (its snapshot
 * is taken after the hold, so nothing written here can stay behind), check the counts, record the
 * choice in the data folder (db/store-choice.ts) and ask for a restart. Writes stay held until then:
 * this process keeps the SQLite file open and must not change it any more. A failure releases the
 * hold and leaves the PostgreSQL database as empty as it was. The SQLite file is never written.
 */

export type StoreInfo =
  | { kind: 'sqlite'; file: string; source: null }
  | { kind: 'postgres'; host: string; port: number; database: string; user: string; source: 'flag' | 'env' | 'settings' | null };

export type MoveState =
  | { step: 'idle' }
  | { step: 'moving'; table: string | null; copied: number; total: number; message: string }
  | { step: 'done'; message: string; tables: { table: string; rows: number }[] }
  | { step: 'failed'; message: string };

export interface StoreRuntime {
  info(): StoreInfo;
  state(): MoveState;
  test(actor: AdminActor, organizationId: number, databaseUrl: string): Promise<{ host: string; port: number; database: string }>;
  /** Starts the move and returns; state() tells how it goes. */
  move(actor: AdminActor, organizationId: number, databaseUrl: string): Promise<{ started: true }>;
  /** Resolves when the running move has ended (tests). */
  settled(): Promise<void>;
  /** Whether this process can restart itself (the desktop app, or web mode under `npm start`). */
  canRestart(): boolean;
  /** After a move, the install Owner restarts Roster on PostgreSQL. */
  restart(actor: AdminActor, organizationId: number): Promise<{ restarting: true }>;
  /** The first screen's choice of store, before anyone registers (services/first-run.ts). */
  firstRun: FirstRun;
}

export const MOVING = 'The directory is being moved to PostgreSQL: changes are paused until the move ends. Try again in a moment.';
export const MOVED = 'The directory has moved to PostgreSQL: restart Roster to go on working there. Nothing can be changed here until then.';

export function createStoreRuntime(opts: {
  store: OpenedStore & { hold: WriteHold };
  dataDir: string;
  databaseUrl: string | null;
  source: 'flag' | 'env' | 'settings' | null;
  clock: Clock;
  /** Stops what writes on its own (mail and sync senders, the expiry sweep) / starts it again. */
  pause?: () => Promise<void>;
  resume?: () => void;
  /** How this process restarts itself; absent where it cannot (web mode started directly). */
  restart?: RestartHook | null;
}): StoreRuntime {
  let state: MoveState = { step: 'idle' };
  let running: Promise<void> = Promise.resolve();
  /** A move between its checks and its start (its connection test takes a round trip or more). */
  let starting = false;
  const file = join(opts.dataDir, DATABASE_FILE);

  async function requireInstallOwner(actor: AdminActor, organizationId: number): Promise<void> {
    if (!isOwner(actor.authz) || !(await isFirstOrganization(opts.store.db, organizationId)))
      throw new DomainError('OWNER_ONLY', "Only the install's Owner can move the directory: it holds every organization of this Roster.");
    if (opts.store.dialect !== 'sqlite') throw new DomainError('VALIDATION', 'The directory is already on PostgreSQL.');
  }

  async function test(actor: AdminActor, organizationId: number, databaseUrl: string) {
    await requireInstallOwner(actor, organizationId);
    try {
      const where = await testMoveTarget(databaseUrl);
      return { host: where.host, port: where.port, database: where.database };
    } catch (e) {
      if (e instanceof MoveRefusedError) throw new DomainError('VALIDATION', e.message, { field: 'databaseUrl' });
      throw e;
    }
  }

  async function run(databaseUrl: string): Promise<void> {
    const hold = opts.store.hold;
    try {
      hold.engage(MOVING);
      await opts.pause?.();
      // A batch already running in the worker thread commits before the snapshot; later ones are refused by the hold.
      await (opts.store as { batches?: { idle(): Promise<void> } }).batches?.idle();
      // A transaction begun before the hold ends before the snapshot (SQLite runs them one at a time).
      await opts.store.db.transaction().execute(async () => undefined);
      const onProgress = (p: MoveProgress) => {
        if (p.step === 'table') state = { step: 'moving', table: p.table, copied: p.copied, total: p.total, message: `Copying ${p.table}` };
        else if (p.step === 'indexing') state = { step: 'moving', table: null, copied: 0, total: 0, message: 'Building the search indexes' };
        else if (p.step === 'vacuum') state = { step: 'moving', table: null, copied: 0, total: 0, message: 'Copied and checked; preparing the copy for fast reads (VACUUM)' };
        else if (p.step === 'snapshot') state = { step: 'moving', table: null, copied: 0, total: 0, message: 'Taking a snapshot of the SQLite file' };
      };
      const result = await moveToPostgres({ from: file, databaseUrl, heldByCaller: true, onProgress });
      writeStoreChoice(opts.dataDir, databaseUrl, opts.clock.now());
      hold.engage(MOVED);
      const where = parseDatabaseUrl(databaseUrl);
      state = {
        step: 'done',
        message: `Moved to PostgreSQL (${where.host}:${where.port}/${where.database}), every table's row count checked. Restart Roster to work there; the SQLite file was not changed.`,
        tables: result.tables.map((t) => ({ table: t.table, rows: t.target })),
      };
    } catch (e) {
      hold.release();
      opts.resume?.();
      const why = e instanceof MoveRefusedError ? e.message : `The move failed and was rolled back (the PostgreSQL database is as it was): ${e instanceof Error ? e.message : String(e)}`;
      state = { step: 'failed', message: why };
    }
  }

  return {
    info: () => {
      if (!opts.databaseUrl) return { kind: 'sqlite', file, source: null };
      const where = parseDatabaseUrl(opts.databaseUrl);
      return { kind: 'postgres', host: where.host, port: where.port, database: where.database, user: where.user, source: opts.source };
    },
    state: () => state,
    test,
    async move(actor, organizationId, databaseUrl) {
      await requireInstallOwner(actor, organizationId);
      // Checked and claimed with no await between: a second click (or a second admin) while the first
      // move's connection test runs is refused, instead of starting a second move to another database.
      if (starting || state.step === 'moving' || state.step === 'done') throw new DomainError('VALIDATION', state.step === 'done' ? MOVED : MOVING);
      starting = true;
      try {
        await test(actor, organizationId, databaseUrl);
        const where = parseDatabaseUrl(databaseUrl);
        // Noted before the hold, so the row is in the copy too.
        const now = opts.clock.now().toISOString();
        await insertAuditRows(opts.store.db, [
          auditRow(organizationId, actor, 'store.move', { type: 'store', id: null, label: `${where.host}:${where.port}/${where.database}` }, { store: 'sqlite' }, { store: 'postgres', host: where.host, database: where.database }, now),
        ]);
        state = { step: 'moving', table: null, copied: 0, total: 0, message: 'Pausing changes' };
        running = run(databaseUrl);
        return { started: true };
      } finally {
        starting = false;
      }
    },
    settled: () => running,
    canRestart: () => !!opts.restart,
    async restart(actor, organizationId) {
      await requireInstallOwner(actor, organizationId);
      if (state.step !== 'done') throw new DomainError('VALIDATION', 'Nothing to restart for: the directory has not been moved.');
      if (!opts.restart) throw new DomainError('VALIDATION', CANNOT_RESTART);
      return restartSoon(opts.restart);
    },
    firstRun: createFirstRun({ db: opts.store.db, dialect: opts.store.dialect, dataDir: opts.dataDir, source: opts.source, clock: opts.clock, restart: opts.restart }),
  };
}
