import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { AdjustableClock } from '../../../src/main/core/clock';
import { lockDataFolder, type DataLock } from '../../../src/main/data-lock';
import { openDirectory } from '../../../src/main/db/directory';
import { chooseStore, STORE_CHOICE_FILE } from '../../../src/main/db/store-choice';
import { createServices, type Services } from '../../../src/main/services';
import { createStoreRuntime, MOVING } from '../../../src/main/services/org-transfer-store';
import { batchRunnerFor, type SqliteBatchRunner } from '../../../src/main/workers/batch-runner';
import { createTestDatabase, startPostgres, type RunningPostgres } from '../../support/postgres';
import { BASE_URL, callers, caught, invite, OWNER_EMAIL, PASSWORD, type Caller } from '../helpers';

/**
 * Settings' "Move to PostgreSQL" on a RUNNING desktop directory (issue 13, item 4): the running
 * process holds its folder's lock and keeps serving while it moves; writes are held from the
 * snapshot on, so nothing written meanwhile stays behind in SQLite; the choice is recorded for the
 * next start. The source is a real SQLite store, the target a real throwaway PostgreSQL.
 */
const hasPostgres =
  !!process.env.ROSTER_PG_BIN || (existsSync('/usr/lib/postgresql') && readdirSync('/usr/lib/postgresql').some((v) => existsSync(join('/usr/lib/postgresql', v, 'bin', 'initdb'))));

/** A TCP proxy to the database of `url` that holds each connection `ms` before passing it on. */
async function slowProxy(url: string, ms: number): Promise<{ url: string; connected: Promise<void>; server: Server }> {
  const upstream = new URL(url);
  let seen!: () => void;
  const connected = new Promise<void>((r) => (seen = r));
  const server = createServer((client) => {
    seen();
    client.pause();
    setTimeout(() => {
      const db = connect(Number(upstream.port), upstream.hostname, () => {
        client.pipe(db).pipe(client);
        client.resume();
      });
      db.on('error', () => client.destroy());
      client.on('error', () => db.destroy());
    }, ms);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const proxied = new URL(url);
  proxied.port = String((server.address() as AddressInfo).port);
  return { url: proxied.toString(), connected, server };
}

describe.skipIf(!hasPostgres)('moving the running directory to PostgreSQL from Settings (needs PostgreSQL binaries)', () => {
  let cluster: RunningPostgres | null = null;
  let dataDir: string;
  let lock: DataLock;
  let services: Services;
  let owner: Caller;
  let close: () => Promise<void>;
  let target: { url: string; drop(): Promise<void> };
  /** A second empty database: a second move started at the same moment must leave it untouched. */
  let other: { url: string; drop(): Promise<void> };
  /** The URL the move was given (through slowProxy). */
  let targetUrl = '';
  const proxies: Server[] = [];
  let restarts = 0;

  beforeAll(async () => {
    const adminUrl = inject('pgAdminUrl') ?? (cluster = await startPostgres()).adminUrl;
    target = await createTestDatabase(adminUrl);
    other = await createTestDatabase(adminUrl);
    dataDir = mkdtempSync(join(tmpdir(), 'roster-store-move-'));
    lock = lockDataFolder(dataDir);
    const store = await openDirectory({ sqlitePath: join(dataDir, 'roster.sqlite') });
    const clock = new AdjustableClock();
    services = createServices({ db: store.db, clock, publicBaseUrl: () => BASE_URL });
    // Long batches in the worker thread, as in the app: its own connection must be held too.
    const batches: SqliteBatchRunner | undefined = batchRunnerFor(store);
    services.deps.batches = batches;
    close = async () => {
      await batches?.close();
      await store.close();
    };
    services.store = createStoreRuntime({ store, dataDir, databaseUrl: null, source: null, clock, restart: () => restarts++ });
    owner = callers(services)();
    await owner.auth.register({ organizationName: 'Acme', email: OWNER_EMAIL, password: PASSWORD });
    await invite(owner, 'alice@example.org', 'Member');
  });
  afterAll(async () => {
    await close?.();
    lock?.release();
    await target?.drop();
    await other?.drop();
    for (const p of proxies) p.close();
    cluster?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows the store in use, and refuses a wrong URL before pausing anything', async () => {
    const { info, move } = await owner.orgTransfer.store();
    expect(info).toMatchObject({ kind: 'sqlite' });
    expect(move.step).toBe('idle');
    expect((await caught(owner.orgTransfer.restart())).message).toContain('has not been moved');
    const bad = await caught(owner.orgTransfer.moveToPostgres({ databaseUrl: 'mysql://x@host/db' }));
    expect(bad.message).toMatch(/must start with postgres:\/\//);
    const refused = await caught(owner.orgTransfer.testDatabase({ databaseUrl: 'postgres://nobody:pw@127.0.0.1:1/none' }));
    expect(refused.domainCode).toBe('VALIDATION');
    // Nothing was paused: the console still writes.
    await invite(owner, 'bob@example.org', 'Member');
    expect(existsSync(join(dataDir, STORE_CHOICE_FILE))).toBe(false);
  });

  it('holds writes while it copies, checks the counts, records the choice and asks for a restart', async () => {
    expect(await owner.orgTransfer.testDatabase({ databaseUrl: target.url })).toMatchObject({ host: '127.0.0.1' });
    const sqliteFile = join(dataDir, 'roster.sqlite');
    // A second move asked while the first one's connection test runs (a double click, or two admins'
    // Settings) is refused, and its database stays empty: both used to start, each filling its database.
    // The first reaches PostgreSQL through a proxy that holds its connection 300 ms, and the second is
    // asked once the first is inside its test.
    const slow = await slowProxy(target.url, 300);
    proxies.push(slow.server);
    targetUrl = slow.url;
    const first = owner.orgTransfer.moveToPostgres({ databaseUrl: targetUrl });
    await slow.connected;
    expect((await caught(owner.orgTransfer.moveToPostgres({ databaseUrl: other.url }))).message).toBe(MOVING);
    await first;
    // From the moment it starts, a change is refused with what is going on, not lost.
    const during = await caught(invite(owner, 'late@example.org', 'Member'));
    expect(during.domainCode).toBe('STORE_UNAVAILABLE');
    expect(during.message).toMatch(/moved to PostgreSQL|being moved to PostgreSQL/);
    // A long batch (the worker thread, its own connection) is held as well, with the same message.
    const roles = await owner.roles.list();
    const memberRole = roles.find((r) => r.name === 'Member')!.id;
    const entries = Array.from({ length: services.deps.batches!.minEntries }, (_, i) => ({ email: `held${i}@example.org` }));
    const heldBatch = await caught(owner.members.invite({ entries, grants: { roleIds: [memberRole] } }));
    expect(heldBatch.domainCode).toBe('STORE_UNAVAILABLE');
    await services.store!.settled();
    const sizeAfter = statSync(sqliteFile).size;
    const { move } = await owner.orgTransfer.store();
    expect(move.step).toBe('done');
    expect(move.step === 'done' && move.message).toMatch(/Restart Roster/);
    // Reads go on; writes stay held until the restart (this process still has SQLite open).
    expect((await owner.members.list({})).items.map((m) => m.email).sort()).toEqual(['alice@example.org', 'bob@example.org', OWNER_EMAIL]);
    expect((await caught(invite(owner, 'later@example.org', 'Member'))).message).toMatch(/restart Roster/);
    // Signing in still works while writes are held: sessions and the guess limiter's counters are not
    // part of the directory, and refusing them would lock every admin out until the restart.
    const another = callers(services)();
    await another.auth.signIn({ email: OWNER_EMAIL, password: PASSWORD });
    expect((await another.members.list({})).items).toHaveLength(3);
    expect((await caught(another.auth.signIn({ email: OWNER_EMAIL, password: 'not the password' }))).domainCode).not.toBe('STORE_UNAVAILABLE');
    expect(statSync(sqliteFile).size).toBe(sizeAfter);
    // The next start opens PostgreSQL; a --database-url or ROSTER_DATABASE_URL would still win.
    expect(chooseStore(dataDir, null, {})).toEqual({ databaseUrl: targetUrl, source: 'settings' });
    expect(chooseStore(dataDir, null, { ROSTER_DATABASE_URL: 'postgres://a@b/c' }).source).toBe('env');
    expect(statSync(join(dataDir, STORE_CHOICE_FILE)).mode & 0o077).toBe(0);
    // And there the directory is whole, with the move in its log.
    const pgStore = await openDirectory({ databaseUrl: target.url, max: 2 });
    try {
      const there = callers(createServices({ db: pgStore.db, clock: new AdjustableClock(), publicBaseUrl: () => BASE_URL }))();
      await there.auth.signIn({ email: OWNER_EMAIL, password: PASSWORD });
      expect((await there.members.list({})).items.map((m) => m.email).sort()).toEqual(['alice@example.org', 'bob@example.org', OWNER_EMAIL]);
      expect((await there.audit.list({ action: 'store.move' })).length).toBe(1);
    } finally {
      await pgStore.close();
    }
    const untouched = new pg.Client({ connectionString: other.url });
    await untouched.connect();
    try {
      expect((await untouched.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'")).rows[0].n).toBe(0);
    } finally {
      await untouched.end();
    }
    // A second move is refused: the database now holds the directory.
    expect((await caught(owner.orgTransfer.testDatabase({ databaseUrl: target.url }))).message).toMatch(/already holds a Roster directory/);
    // "Restart now": the host's restart runs a moment after the answer.
    expect((await owner.orgTransfer.store()).canRestart).toBe(true);
    expect(await owner.orgTransfer.restart()).toEqual({ restarting: true });
    await vi.waitFor(() => expect(restarts).toBe(1));
  }, 120_000);
});
