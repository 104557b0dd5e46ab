import { AdjustableClock, systemClock, type Clock } from './core/clock';
import type { OpenedStore } from './db/connect';
import { createStoreRuntime } from './services/org-transfer-store';
import { startChangeFeed, type ChangeFeed } from './db/notify-postgres';
import { createMail } from './mail';
import { fileSecretBox, type SecretBox } from './mail/secrets';
import { parseSmtpUrl, type SmtpConfig } from './mail/transport';
import { createBackup } from './services/backup';
import { expireDue } from './services/members';
import type { LinkIssued } from './services/deps';
import { createServices, type Services } from './services';
import { createSync } from './sync/service';
import { openChosenStore, type ChosenStore } from './runtime-store';
import { batchRunnerFor } from './workers/batch-runner';
import { watchSearchIndex } from './db/search-tidy';
import { readRunnerFor } from './workers/read-runner';

export interface Runtime {
  store: OpenedStore;
  services: Services;
  /** Only under NODE_ENV=test: lets end-to-end tests move time. */
  testClock: AdjustableClock | null;
  /** Only under NODE_ENV=test: every link issued, so browser tests can follow them without mail. */
  testLinks: LinkIssued[] | null;
  /** Team mode: live updates to and from the other processes on the database (null on SQLite). */
  changeFeed: ChangeFeed | null;
  /** Starts the mail and sync senders and the backup schedule, when startRuntime was asked to defer them (idempotent). */
  startBackground(): void;
  stop(): Promise<void>;
}

/** Opens the store and builds the services; shared by the Electron entry and web mode. */
export async function startRuntime(opts: {
  dataDir: string;
  publicBaseUrl: () => string;
  clock?: Clock;
  /** Electron passes its safeStorage box; web mode uses the key file in the data folder. */
  secrets?: SecretBox;
  /** The installation's SMTP server from ROSTER_SMTP_URL / ROSTER_MAIL_FROM, for organizations without their own. */
  smtp?: SmtpConfig | null;
  /**
   * Team mode: the directory in this PostgreSQL database (postgres://…) instead of the data folder's
   * SQLite file. Defaults to ROSTER_DATABASE_URL; empty means the local file. The data folder still
   * holds this desktop's own files (the mail secrets key).
   */
  databaseUrl?: string | null;
  /**
   * false: no mail or sync sender, no backups, no expiry sweep (the portal process: its mails wait in
   * the shared outbox for the admins' processes, woken by its announcement). Default true.
   */
  background?: boolean;
  /** How this process restarts itself after a change of store (Electron relaunches; web mode asks `npm start`). */
  restart?: (() => void) | null;
  /**
   * true: the senders and the backup schedule wait for runtime.startBackground() (web mode calls it
   * once it listens, so their first drain and a due backup do not delay the first answer).
   */
  deferBackground?: boolean;
  /** The store, already chosen and opened (web mode opens it before it listens); else opened here. */
  opened?: ChosenStore;
}): Promise<Runtime> {
  const background = opts.background ?? true;
  // --database-url, then ROSTER_DATABASE_URL, then the choice recorded by Settings' move (store.json), else SQLite.
  const { store, databaseUrl, source } = opts.opened ?? (await openChosenStore(opts.dataDir, opts.databaseUrl));
  const testClock = process.env.NODE_ENV === 'test' ? new AdjustableClock() : null;
  const clock = opts.clock ?? testClock ?? systemClock;
  const secrets = opts.secrets ?? fileSecretBox(opts.dataDir);
  // Mail and sync outcomes change rows without a command: consoles here and (team mode) elsewhere refresh.
  const announce = backgroundAnnouncer(() => services);
  const mail = createMail({ db: store.db, clock, secrets, env: opts.smtp ?? smtpFromEnv(), sender: { onEvent: () => announce(null) }, dataDir: opts.dataDir });
  // The SCIM token is kept in the same secret store as the SMTP password.
  const sync = createSync({ db: store.db, clock, secrets, onPush: (org, r) => r.created + r.updated + r.deactivated + r.deleted + r.failed + r.blocked > 0 && announce(org) });
  // Under NODE_ENV=test every issued link is also kept, so browser tests can follow links without mail.
  const testLinks: LinkIssued[] | null = process.env.NODE_ENV === 'test' ? [] : null;
  const services = createServices({
    db: store.db,
    clock,
    publicBaseUrl: opts.publicBaseUrl,
    notifier: {
      linksIssued: async (trx, events) => {
        await mail.notifier.linksIssued(trx, events);
        testLinks?.push(...events);
      },
      linksCommitted: (events) => void testLinks?.push(...events),
    },
    mail,
    sync,
    // A session's authorization is kept between calls where the store can say when it changed (SQLite).
    authzGeneration: store.authzGeneration,
  });
  // Long batches run in a worker thread with its own connection (SQLite); PostgreSQL batches stay on its pool.
  const batches = batchRunnerFor(store);
  services.deps.batches = batches;
  // Counts over the whole directory run in a read worker (SQLite); PostgreSQL's pool keeps the event loop free.
  const reads = readRunnerFor(store);
  services.deps.reads = reads;
  // The worker loads its code a few seconds after start, off the start-up path, so the first batch does not wait for it.
  // Then its search index is tidied (db/search-tidy.ts), and again whenever writes have fragmented it.
  if (batches)
    setTimeout(() => {
      batches.warm();
      void batches.tidySearch();
    }, 3000).unref();
  const stopWatchingSearch = batches ? watchSearchIndex(store.db, () => batches.tidySearch()) : () => undefined;
  await services.portal.load();
  const changeFeed = store.dialect === 'postgres' && databaseUrl ? liveUpdates(services, store.db, databaseUrl) : null;
  const startSenders = (): void => {
    if (!background) return;
    // Drains the outbox while the process runs; idles until an organization has an SMTP server.
    mail.sender.start();
    // Pushes queued directory changes to the organization's SCIM server; idles until sync is set up.
    sync.sender.start();
  };
  // Until startBackground() (deferBackground), a pause and resume of the store starts nothing.
  let backgroundStarted = false;
  const startBackground = (): void => {
    if (backgroundStarted) return;
    backgroundStarted = true;
    startSenders();
    if (background) services.backup?.start();
  };
  // Invitations expire on their own; a sweep each minute keeps the tables right while nobody looks
  // (and tells the consoles). Expired sessions and limiter counters go too.
  const startSweep = (): NodeJS.Timeout => {
    const timer = setInterval(() => {
      if (background) void expireDue(services.deps).then((n) => n > 0 && announce(null), () => undefined);
      void services.sessions.sweep().catch(() => undefined);
      void services.deps.guesses.sweep().catch(() => undefined);
    }, 60_000);
    timer.unref();
    return timer;
  };
  let sweep = startSweep();
  // Backups of the SQLite store: on demand, and daily when the schedule says so (checked hourly).
  services.backup = createBackup({ store, dataDir: opts.dataDir, clock });
  // Settings shows the store; its move to PostgreSQL pauses what writes on its own while it copies.
  services.store = createStoreRuntime({
    store,
    dataDir: opts.dataDir,
    databaseUrl,
    source,
    clock,
    restart: opts.restart ?? null,
    pause: async () => {
      clearInterval(sweep);
      services.backup?.stop();
      await mail.sender.stop();
      await sync.sender.stop();
    },
    resume: () => {
      sweep = startSweep();
      if (!backgroundStarted) return;
      if (background) services.backup?.start();
      startSenders();
    },
  });
  if (!opts.deferBackground) startBackground();
  return {
    store,
    services,
    testClock,
    testLinks,
    changeFeed,
    startBackground,
    stop: async () => {
      clearInterval(sweep);
      stopWatchingSearch();
      announce.cancel();
      await changeFeed?.stop();
      services.backup?.stop();
      await mail.sender.stop();
      await sync.sender.stop();
      await batches?.idle();
      await batches?.close();
      await reads?.close();
      await store.close();
    },
  };
}

/**
 * Team mode: what commits here is announced to the other processes on the database, and what they
 * announce arrives as 'members-changed' (marked remote, so it is not announced back): the /events
 * stream and the desktop's IPC refresh the console (web mode: only consoles of the organization it
 * changed; a change of unknown organization, such as an invitee's, reaches all), and the mail and
 * sync senders wake.
 */
function liveUpdates(services: Services, db: OpenedStore['db'], url: string): ChangeFeed {
  const feed = startChangeFeed({
    db,
    url,
    onRemote: (change) => {
      if (change.kind === 'sessions-ended') services.sessions.endedElsewhere();
      else if (change.kind === 'background') services.events.emit('background-changed', { organizationId: change.org, remote: change });
      else services.events.emit('members-changed', { remote: change });
    },
  });
  // A session ended here (sign-out, idle lock, password change): the other processes' streams check theirs.
  services.sessions.onEndedHere = () => void feed.publish('sessions-ended');
  services.events.on('background-changed', (e?: { organizationId?: number | null; remote?: unknown }) => {
    if (!e?.remote) void feed.publish('background', e?.organizationId ?? null);
  });
  // Sign-in, sign-out and registration (no organization yet) change nothing another console shows.
  services.events.on('committed', (e?: { organizationId?: number | null }) => {
    if (e?.organizationId != null) void feed.publish('committed', e.organizationId);
  });
  services.events.on('members-changed', (e?: { remote?: unknown }) => {
    if (!e?.remote) void feed.publish('members-changed');
  });
  return feed;
}

/**
 * Background changes (expiry sweep, mail and sync outcomes) come in bursts (a drain settles hundreds
 * of mails): announced as one 'background-changed' per organization at most every 250 ms, null
 * meaning "any organization". It refreshes screens but wakes no sender.
 */
function backgroundAnnouncer(services: () => Services): ((org: number | null) => void) & { cancel(): void } {
  let pending = new Set<number | null>();
  let timer: NodeJS.Timeout | null = null;
  const announce = (org: number | null) => {
    pending.add(org);
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      const orgs = pending.has(null) ? [null] : [...pending];
      pending = new Set();
      for (const organizationId of orgs) services().events.emit('background-changed', { organizationId });
    }, 250);
    timer.unref();
  };
  return Object.assign(announce, {
    cancel: () => {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  });
}

/** ROSTER_SMTP_URL (smtp://user:pass@host:port) and ROSTER_MAIL_FROM, read once at start. */
export function smtpFromEnv(env: NodeJS.ProcessEnv = process.env): SmtpConfig | null {
  return env.ROSTER_SMTP_URL ? parseSmtpUrl(env.ROSTER_SMTP_URL, env.ROSTER_MAIL_FROM) : null;
}
