import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type pg from 'pg';
import { pgDriver } from './pg-driver';
import type { Db } from './database';

/**
 * Team mode's live updates across processes: after a command commits, this process NOTIFYs one
 * channel with a small payload (what happened, which process); every process LISTENs on one
 * dedicated connection (not from the pool, which would hand it back), ignores its own
 * notifications and passes the others on (the runtime re-emits them on services.events, so the
 * /events stream and the desktop's IPC tell the console, and the mail and sync senders wake).
 * A listener that loses its server reconnects with backoff and then reports one change (it may have
 * missed some). Nothing here ever throws into a command: a failed NOTIFY or LISTEN is only logged.
 * SQLite has one process per data folder and never uses this.
 */

export const CHANGES_CHANNEL = 'roster_changes';

/**
 * 'committed': an admin's command committed; 'members-changed': an invitee acted on the portal;
 * 'background': rows changed without a command (the expiry sweep, mail and sync outcomes): screens
 * refresh, senders are not woken (their own outcomes would wake each other forever);
 * 'sessions-ended': sessions were ended (sign-out, idle lock, password change): open /events streams
 * check theirs again. Payloads never carry tokens or their hashes.
 */
export type ChangeKind = 'committed' | 'members-changed' | 'background' | 'sessions-ended';
const KINDS: readonly ChangeKind[] = ['committed', 'members-changed', 'background', 'sessions-ended'];

export interface RemoteChange {
  kind: ChangeKind;
  /** The organization, when the sender knew it. */
  org: number | null;
  /** The process that made the change ("<pid>-<random>"); null after a reconnect (something may have been missed). */
  origin: string | null;
}

export interface ChangeFeed {
  /** This process's id in payloads. */
  readonly instanceId: string;
  /** NOTIFY the other processes; never rejects. */
  publish(kind: ChangeKind, org?: number | null): Promise<void>;
  /** Resolves once the listener is connected and LISTENing (tests; the runtime does not wait). */
  ready(): Promise<void>;
  /** Whether the dedicated connection is LISTENing now. */
  listening(): boolean;
  stop(): Promise<void>;
}

export interface ChangeFeedOptions {
  db: Db;
  url: string;
  onRemote: (change: RemoteChange) => void;
  /** Backoff of the listener's reconnects: first wait and cap (ms). */
  retryMs?: number;
  maxRetryMs?: number;
  log?: (message: string) => void;
}

function parsePayload(payload: string | undefined): { kind: ChangeKind; org: number | null; origin: string } | null {
  try {
    const p = JSON.parse(payload ?? '') as { k?: unknown; g?: unknown; o?: unknown };
    const kind = KINDS.find((k) => k === p.k) ?? null;
    if (!kind || typeof p.o !== 'string') return null;
    return { kind, org: typeof p.g === 'number' ? p.g : null, origin: p.o };
  } catch {
    return null;
  }
}

export function startChangeFeed(opts: ChangeFeedOptions): ChangeFeed {
  const instanceId = `${process.pid}-${randomBytes(6).toString('hex')}`;
  const log = opts.log ?? ((m: string) => console.warn(`[roster] live updates: ${m}`));
  const firstRetry = opts.retryMs ?? 250;
  const maxRetry = opts.maxRetryMs ?? 10_000;
  let stopped = false;
  let client: pg.Client | null = null;
  let isListening = false;
  let retry = firstRetry;
  let timer: NodeJS.Timeout | null = null;
  let everConnected = false;
  let readyWaiters: Array<() => void> = [];

  const deliver = (change: RemoteChange) => {
    try {
      opts.onRemote(change);
    } catch (e) {
      log(`a listener failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  const scheduleReconnect = () => {
    if (stopped || timer) return;
    const wait = retry;
    retry = Math.min(retry * 2, maxRetry);
    timer = setTimeout(() => {
      timer = null;
      void connect();
    }, wait);
    timer.unref();
  };

  // Said once per outage (not at every retry), so the log shows when live updates stop and resume.
  let down = false;
  const dropped = (c: pg.Client, why: string) => {
    if (client !== c) return;
    client = null;
    if (!down) log(`${isListening ? 'connection lost' : 'cannot listen'} (${why}); other desktops' changes show after a reload until it reconnects`);
    down = true;
    isListening = false;
    c.end().catch(() => undefined);
    scheduleReconnect();
  };

  async function connect(): Promise<void> {
    if (stopped) return;
    const c = new (pgDriver().Client)({ connectionString: opts.url, application_name: 'roster-listen', keepAlive: true, connectionTimeoutMillis: 10_000 });
    client = c;
    c.on('error', (e: Error) => dropped(c, e.message));
    c.on('end', () => dropped(c, 'closed'));
    c.on('notification', (msg) => {
      if (msg.channel !== CHANGES_CHANNEL) return;
      const p = parsePayload(msg.payload);
      if (!p || p.origin === instanceId) return;
      deliver(p);
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANGES_CHANNEL}`);
    } catch (e) {
      dropped(c, e instanceof Error ? e.message : String(e));
      return;
    }
    if (stopped || client !== c) {
      await c.end().catch(() => undefined);
      return;
    }
    isListening = true;
    retry = firstRetry;
    if (down) log('listening again');
    // Said once at start too: the log shows from when other desktops' changes appear live (and tests wait for it).
    else if (!everConnected) log('listening: changes made on other desktops show here as they happen');
    down = false;
    // After a gap, notifications may have been missed: tell the screens and senders once.
    if (everConnected) deliver({ kind: 'committed', org: null, origin: null });
    everConnected = true;
    const waiters = readyWaiters;
    readyWaiters = [];
    for (const w of waiters) w();
  }

  void connect();

  return {
    instanceId,
    async publish(kind, org = null) {
      if (stopped) return;
      const payload = JSON.stringify({ k: kind, g: org, o: instanceId });
      try {
        await sql`SELECT pg_notify(${CHANGES_CHANNEL}, ${payload})`.execute(opts.db);
      } catch (e) {
        log(`could not notify the other processes: ${e instanceof Error ? e.message : String(e)}`);
      }
    },
    ready: () => (isListening ? Promise.resolve() : new Promise<void>((r) => readyWaiters.push(r))),
    listening: () => isListening,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      const c = client;
      client = null;
      isListening = false;
      if (c) await c.end().catch(() => undefined);
    },
  };
}
