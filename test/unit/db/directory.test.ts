import { createServer } from 'node:net';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { StoreRefusedError } from '../../../src/main/db/connect-postgres';
import { openDirectory, redactDatabaseUrl } from '../../../src/main/db/directory';
import { createTestDatabase } from '../../support/postgres';
import { TEST_STORE } from '../helpers';

async function refusal(p: Promise<unknown>): Promise<StoreRefusedError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(StoreRefusedError);
    return e as StoreRefusedError;
  }
  throw new Error('Expected the store to be refused, but it opened');
}

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

describe('choosing the store: refusals that touch nothing', () => {
  it('a malformed URL says what shape is expected and never echoes the password', async () => {
    for (const url of ['not a url', 'mysql://roster:s3cret-pass@db.example/roster', 'postgres://roster:s3cret-pass@db.example', 'postgres://roster:s3cret-pass@db.example/']) {
      const e = await refusal(openDirectory({ databaseUrl: url }));
      expect(e.refusal).toBe('malformed-url');
      expect(e.message).toContain('postgres://user:password@host:5432/database');
      expect(e.message).not.toContain('s3cret-pass');
    }
  });

  it('a refused connection names the host and port', async () => {
    const port = await closedPort();
    const e = await refusal(openDirectory({ databaseUrl: `postgres://roster:s3cret-pass@127.0.0.1:${port}/roster` }));
    expect(e.refusal).toBe('unreachable');
    expect(e.message).toContain(`127.0.0.1:${port} refused the connection`);
    expect(e.message).not.toContain('s3cret-pass');
  });

  it('Settings and logs show the URL with its password masked', () => {
    expect(redactDatabaseUrl('postgres://roster:s3cret-pass@db.example:5432/roster')).toBe('postgres://roster:***@db.example:5432/roster');
  });
});

// These need the run's PostgreSQL cluster, which exists under ROSTER_TEST_STORE=postgres (scripts/test.sh runs both).
describe.skipIf(TEST_STORE !== 'postgres')('choosing the store: on a real PostgreSQL server', () => {
  it('a wrong password is refused as such, without the password in the message', async () => {
    const database = await createTestDatabase(inject('pgAdminUrl'));
    try {
      const wrong = database.url.replace(/:[^:@/]+@/, ':not-the-password@');
      const e = await refusal(openDirectory({ databaseUrl: wrong }));
      expect(e.refusal).toBe('auth');
      expect(e.message).toContain('refused the user "roster"');
      expect(e.message).not.toContain('not-the-password');
    } finally {
      await database.drop();
    }
  });

  it('a database that does not exist is named', async () => {
    const url = inject('pgAdminUrl').replace(/\/postgres$/, '/no_such_directory');
    const e = await refusal(openDirectory({ databaseUrl: url }));
    expect(e.refusal).toBe('no-database');
    expect(e.message).toContain('no database "no_such_directory"');
  });

  it("another application's database is refused and left exactly as it was", async () => {
    const database = await createTestDatabase(inject('pgAdminUrl'));
    const tables = async () => {
      const c = new pg.Client({ connectionString: database.url });
      await c.connect();
      try {
        return (await c.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1")).rows.map((r) => r.table_name);
      } finally {
        await c.end();
      }
    };
    try {
      const c = new pg.Client({ connectionString: database.url });
      await c.connect();
      await c.query('CREATE TABLE invoices (id serial primary key, total integer)');
      await c.query('INSERT INTO invoices (total) VALUES (42)');
      await c.end();
      const e = await refusal(openDirectory({ databaseUrl: database.url }));
      expect(e.refusal).toBe('not-roster');
      expect(e.message).toContain("holds another application's tables (invoices)");
      expect(await tables()).toEqual(['invoices']);
    } finally {
      await database.drop();
    }
  });

  it('an empty database becomes a Roster directory, and opens again as one', async () => {
    const database = await createTestDatabase(inject('pgAdminUrl'));
    try {
      const first = await openDirectory({ databaseUrl: database.url });
      expect(first.dialect).toBe('postgres');
      await first.db.insertInto('install_setting').values({ key: 'k', value: 'v' }).execute();
      await first.close();
      const again = await openDirectory({ databaseUrl: database.url });
      expect(await again.db.selectFrom('install_setting').selectAll().execute()).toEqual([{ key: 'k', value: 'v' }]);
      await again.close();
    } finally {
      await database.drop();
    }
  });
});
