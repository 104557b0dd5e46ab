import { createServer } from 'node:net';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import type { OpenedStore } from '../../../src/main/db/connect';
import { openDirectory } from '../../../src/main/db/directory';
import { startChangeFeed, type ChangeFeed, type RemoteChange } from '../../../src/main/db/notify-postgres';
import { createTestDatabase, TEMPLATE_DATABASE } from '../../support/postgres';
import { TEST_STORE } from '../helpers';

/** What one feed heard, with a way to wait for the next change (no polling, no timing). */
function inbox() {
  const heard: RemoteChange[] = [];
  let waiters: Array<{ after: number; resolve: (c: RemoteChange) => void }> = [];
  return {
    heard,
    onRemote: (c: RemoteChange) => {
      heard.push(c);
      waiters = waiters.filter((w) => (heard.length > w.after ? (w.resolve(heard[w.after]!), false) : true));
    },
    /** The next change heard after this call. */
    next: () => new Promise<RemoteChange>((resolve) => waiters.push({ after: heard.length, resolve })),
  };
}

// Skipped on the SQLite run: LISTEN/NOTIFY is PostgreSQL's (ROSTER_TEST_STORE=postgres runs it); SQLite has one process per folder.
describe.skipIf(TEST_STORE !== 'postgres')('live updates between processes: the change feed (needs PostgreSQL)', () => {
  let database: { url: string; drop(): Promise<void> };
  let store: OpenedStore;
  const feeds: ChangeFeed[] = [];
  let logged: string[] = [];
  const feed = (onRemote: (c: RemoteChange) => void, url = database.url) => {
    const f = startChangeFeed({ db: store.db, url, onRemote, retryMs: 20, maxRetryMs: 200, log: (m) => logged.push(m) });
    feeds.push(f);
    return f;
  };

  beforeEach(async () => {
    logged = [];
    database = await createTestDatabase(inject('pgAdminUrl'), { from: TEMPLATE_DATABASE });
    store = await openDirectory({ databaseUrl: database.url, max: 2 });
  });
  afterEach(async () => {
    for (const f of feeds.splice(0)) await f.stop();
    await store.close();
    await database.drop();
  });

  it('a change announced by one process reaches the other, which knows where it came from; the sender does not hear itself', async () => {
    const heardByA = inbox();
    const heardByB = inbox();
    const a = feed(heardByA.onRemote);
    const b = feed(heardByB.onRemote);
    await Promise.all([a.ready(), b.ready()]);
    const atB = heardByB.next();
    await a.publish('committed', 7);
    expect(await atB).toEqual({ kind: 'committed', org: 7, origin: a.instanceId });
    // B answers: A hears B's change, and nothing of its own came before it.
    const atA = heardByA.next();
    await b.publish('members-changed');
    expect(await atA).toEqual({ kind: 'members-changed', org: null, origin: b.instanceId });
    expect(heardByA.heard).toHaveLength(1);
  });

  it('a listener whose connection is cut reconnects, says something may have changed, and hears later changes', async () => {
    const heardByB = inbox();
    const a = feed(() => undefined);
    const b = feed(heardByB.onRemote);
    await Promise.all([a.ready(), b.ready()]);
    const afterGap = heardByB.next();
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      // Cut every LISTEN connection on this database, as a server restart or a network drop would.
      const cut = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'roster-listen'");
      expect(cut.rowCount).toBe(2);
    } finally {
      await admin.end();
    }
    expect(await afterGap).toEqual({ kind: 'committed', org: null, origin: null });
    await Promise.all([a.ready(), b.ready()]);
    const later = heardByB.next();
    await a.publish('committed');
    expect(await later).toMatchObject({ kind: 'committed', origin: a.instanceId });
    // The log says when live updates stopped and when they came back (once each per listener, not at every retry).
    expect(logged.filter((m) => m.startsWith('connection lost'))).toHaveLength(2);
    expect(logged.filter((m) => m === 'listening again')).toHaveLength(2);
  });

  it('a listener that cannot reach its server never breaks a command: announcing still works and resolves', async () => {
    const closed = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const port = (srv.address() as { port: number }).port;
        srv.close(() => resolve(port));
      });
    });
    const heardByB = inbox();
    const b = feed(heardByB.onRemote);
    await b.ready();
    const broken = feed(() => undefined, database.url.replace(/:\d+\//, `:${closed}/`));
    expect(broken.listening()).toBe(false);
    const atB = heardByB.next();
    await expect(broken.publish('committed')).resolves.toBeUndefined();
    expect((await atB).origin).toBe(broken.instanceId);
    expect(broken.listening()).toBe(false);
    // The refused connection is reported when it fails, which may come after the announcement landed.
    await vi.waitFor(() => expect(logged.filter((m) => m.startsWith('cannot listen'))).toHaveLength(1));
  });
});
