import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createCaller } from '../../../src/main/api/router';
import { createContextInner, memoryCarrier } from '../../../src/main/api/context';
import { openDirectory } from '../../../src/main/db/directory';
import { chooseStore, STORE_CHOICE_FILE } from '../../../src/main/db/store-choice';
import { createServices, type Services } from '../../../src/main/services';
import { TESTS_PER_MINUTE } from '../../../src/main/services/first-run';
import { createStoreRuntime } from '../../../src/main/services/org-transfer-store';
import { createTestDatabase, startPostgres, type RunningPostgres } from '../../support/postgres';
import { BASE_URL, callers, caught, createEnv, OWNER_EMAIL, PASSWORD, registerOwner, TEST_STORE, type TestEnv } from '../helpers';

/**
 * The first screen's choice of store (issue 13, item 1): "A shared PostgreSQL server" is tested and
 * recorded in the data folder for the next start, only before anyone registers and only from the
 * desktop window or loopback. The directory in use runs on both stores (on PostgreSQL the choice is
 * not offered: the URL given at start decides); the targets are real databases on a throwaway cluster.
 */
const onSqlite = TEST_STORE === 'sqlite';

describe('choosing the store on the first screen', () => {
  let env: TestEnv;
  let cluster: RunningPostgres | null = null;
  let adminUrl: string;
  const dropped: (() => Promise<void>)[] = [];
  const desktop = (services: Services) => createCaller(createContextInner({ services, sessionCarrier: memoryCarrier(), client: 'desktop' }));
  const remote = (services: Services, client?: string) => createCaller(createContextInner({ services, sessionCarrier: memoryCarrier(), client }));
  const choiceFile = () => join(env.dir, STORE_CHOICE_FILE);

  async function database(setup?: (url: string) => Promise<void>): Promise<string> {
    const db = await createTestDatabase(adminUrl);
    dropped.push(db.drop);
    await setup?.(db.url);
    return db.url;
  }

  beforeAll(async () => {
    adminUrl = inject('pgAdminUrl') ?? (cluster = await startPostgres()).adminUrl;
    env = await createEnv();
    env.services.store = createStoreRuntime({
      store: env.store as Parameters<typeof createStoreRuntime>[0]['store'],
      dataDir: env.dir,
      databaseUrl: onSqlite ? null : 'postgres://roster@127.0.0.1/test',
      source: onSqlite ? null : 'env',
      clock: env.clock,
    });
  });
  afterAll(async () => {
    for (const drop of dropped) await drop();
    await env?.close();
    cluster?.stop();
  });

  it('is offered on the desktop before anyone registers, never to a client from another machine', async () => {
    expect((await desktop(env.services).setup.state()).offered).toBe(onSqlite);
    expect((await remote(env.services, '203.0.113.7').setup.state()).offered).toBe(false);
    for (const client of ['203.0.113.7', '::ffff:10.0.0.2', undefined]) {
      const refused = await caught(remote(env.services, client).setup.testDatabase({ databaseUrl: 'postgres://probe@10.0.0.1:5432/x' }));
      expect(refused.domainCode).toBe('FORBIDDEN');
    }
    // Web mode on loopback is this computer too.
    expect((await remote(env.services, '::ffff:127.0.0.1').setup.state()).offered).toBe(onSqlite);
    if (!onSqlite) {
      const started = await caught(desktop(env.services).setup.testDatabase({ databaseUrl: 'postgres://probe@127.0.0.1:1/x' }));
      expect(started.message).toMatch(/started with a database URL/);
    }
    expect(existsSync(choiceFile())).toBe(false);
  });

  it.skipIf(!onSqlite)('refuses a wrong URL, a refused connection, a wrong password, another application\'s database and a newer Roster\'s, writing nothing', async () => {
    const me = desktop(env.services);
    const wrong = await caught(me.setup.chooseDatabase({ databaseUrl: 'mysql://admin:s3cret-pw@db.example/roster' }));
    expect(wrong.message).toMatch(/must start with postgres:\/\//);
    const refused = await caught(me.setup.chooseDatabase({ databaseUrl: 'postgres://admin:s3cret-pw@127.0.0.1:1/roster' }));
    expect(refused.message).toMatch(/refused the connection/);
    const badPassword = await caught(me.setup.testDatabase({ databaseUrl: (await database()).replace(/:[^:@/]+@/, ':s3cret-pw@') }));
    expect(badPassword.message).toMatch(/refused the user "roster"/);
    const foreign = await database(async (url) => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query('CREATE TABLE invoices (id serial PRIMARY KEY, total numeric)');
      await c.end();
    });
    const other = await caught(me.setup.chooseDatabase({ databaseUrl: foreign }));
    expect(other.message).toMatch(/another application's tables \(invoices\): nothing was changed/);
    const newer = await database(async (url) => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query('CREATE TABLE kysely_migration (name varchar(255) PRIMARY KEY, timestamp varchar(255) NOT NULL)');
      await c.query("INSERT INTO kysely_migration VALUES ('0001_initial', 'x'), ('0999_from_the_future', 'x')");
      await c.end();
    });
    const future = await caught(me.setup.testDatabase({ databaseUrl: newer }));
    expect(future.message).toMatch(/newer Roster \(0999_from_the_future\)/);
    for (const e of [wrong, refused, badPassword, other, future]) {
      expect(e.domainCode).toBe('VALIDATION');
      expect(e.message).not.toContain('s3cret-pw');
    }
    expect(existsSync(choiceFile())).toBe(false);
    // The other application's table is as it was, and nothing was added next to it.
    const c = new pg.Client({ connectionString: foreign });
    await c.connect();
    const { rows } = await c.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'");
    await c.end();
    expect(rows.map((r) => r.table_name)).toEqual(['invoices']);
  });

  it.skipIf(!onSqlite)('records an empty database for the next start and asks for a restart', async () => {
    const me = desktop(env.services);
    const empty = await database();
    expect(await me.setup.testDatabase({ databaseUrl: empty })).toMatchObject({ host: '127.0.0.1', holds: 'empty' });
    expect(await me.setup.chooseDatabase({ databaseUrl: empty })).toMatchObject({ holds: 'empty', restart: true });
    expect(statSync(choiceFile()).mode & 0o777).toBe(0o600);
    expect(chooseStore(env.dir, null, {})).toEqual({ databaseUrl: empty, source: 'settings' });
    const state = await me.setup.state();
    expect(state.chosen).toMatchObject({ host: '127.0.0.1', database: new URL(empty).pathname.slice(1) });
    expect(JSON.stringify(state)).not.toContain('roster-test-password');
  });

  it.skipIf(!onSqlite)('records an existing Roster directory: this desktop joins the team', async () => {
    const shared = await database(async (url) => {
      const store = await openDirectory({ databaseUrl: url, max: 2 });
      try {
        const services = createServices({ db: store.db, clock: env.clock, publicBaseUrl: () => BASE_URL });
        await callers(services)().auth.register({ organizationName: 'Team', email: 'first@acme.test', password: PASSWORD });
      } finally {
        await store.close();
      }
    });
    const me = desktop(env.services);
    expect(await me.setup.testDatabase({ databaseUrl: shared })).toMatchObject({ holds: 'roster' });
    expect(await me.setup.chooseDatabase({ databaseUrl: shared })).toMatchObject({ holds: 'roster', restart: true });
    expect(JSON.parse(readFileSync(choiceFile(), 'utf8'))).toMatchObject({ store: 'postgres', databaseUrl: shared });
    // Changed their mind before the restart: back to this computer's file.
    await me.setup.keepLocal();
    expect(existsSync(choiceFile())).toBe(false);
    expect(chooseStore(env.dir, null, {})).toEqual({ databaseUrl: null, source: null });
    await me.setup.chooseDatabase({ databaseUrl: shared });
  });

  it.skipIf(!onSqlite)('restarts on the recorded choice where the process can restart itself, and says what to do where it cannot', async () => {
    const me = desktop(env.services);
    env.clock.advance(61_000);
    await me.setup.keepLocal();
    const nothingChosen = await caught(me.setup.restart());
    expect(nothingChosen.domainCode).toBe('VALIDATION');
    expect(nothingChosen.message).toContain('Choose a database');
    await me.setup.chooseDatabase({ databaseUrl: await database() });
    // Web mode started directly (no supervisor): the person restarts it.
    expect((await me.setup.state()).canRestart).toBe(false);
    expect((await caught(me.setup.restart())).message).toContain('stop it and start it again');

    const withoutHook = env.services.store;
    let restarts = 0;
    env.services.store = createStoreRuntime({
      store: env.store as Parameters<typeof createStoreRuntime>[0]['store'],
      dataDir: env.dir,
      databaseUrl: null,
      source: null,
      clock: env.clock,
      restart: () => restarts++,
    });
    try {
      expect((await me.setup.state()).canRestart).toBe(true);
      expect((await caught(remote(env.services, '203.0.113.7').setup.restart())).domainCode).toBe('FORBIDDEN');
      expect(await me.setup.restart()).toEqual({ restarting: true });
      // The answer goes out first; the restart follows a moment later.
      expect(restarts).toBe(0);
      await vi.waitFor(() => expect(restarts).toBe(1));
    } finally {
      env.services.store = withoutHook;
    }
  });

  it.skipIf(!onSqlite)('limits connection tests to a few a minute', async () => {
    const me = desktop(env.services);
    env.clock.advance(61_000);
    for (let i = 0; i < TESTS_PER_MINUTE; i++) await caught(me.setup.testDatabase({ databaseUrl: 'postgres://probe@127.0.0.1:1/x' }));
    const limited = await caught(me.setup.testDatabase({ databaseUrl: 'postgres://probe@127.0.0.1:1/x' }));
    expect(limited.domainCode).toBe('RATE_LIMITED');
    env.clock.advance(61_000);
    expect((await caught(me.setup.testDatabase({ databaseUrl: 'postgres://probe@127.0.0.1:1/x' }))).domainCode).toBe('VALIDATION');
  });

  it('is refused once someone registered, and says why', async () => {
    const before = existsSync(choiceFile()) ? readFileSync(choiceFile(), 'utf8') : null;
    await registerOwner(env, { email: OWNER_EMAIL });
    const me = desktop(env.services);
    expect((await me.setup.state()).offered).toBe(false);
    for (const call of [me.setup.testDatabase, me.setup.chooseDatabase]) {
      const refused = await caught(call({ databaseUrl: await database() }));
      expect(refused.domainCode).toBe('ALREADY_REGISTERED');
      expect(refused.message).toMatch(/already set up here.*Settings/);
    }
    expect((await caught(me.setup.keepLocal())).domainCode).toBe('ALREADY_REGISTERED');
    expect(existsSync(choiceFile()) ? readFileSync(choiceFile(), 'utf8') : null).toBe(before);
  });
});
