import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import { pgDriver } from './pg-driver';
import { preparingClient } from './prepared';
import type { Database } from './database';
import { migrateToLatest, type OpenedStore } from './connect';
import { MIGRATIONS } from './migrations';

/**
 * Team mode: the directory in a shared PostgreSQL database, through a pg Pool. Before anything is
 * written the URL, the server, the credentials and the database's contents are checked; each
 * refusal says what is wrong in words an admin can act on, and touches nothing.
 */

export type StoreRefusal = 'malformed-url' | 'unreachable' | 'auth' | 'no-database' | 'not-roster';

export class StoreRefusedError extends Error {
  constructor(
    readonly refusal: StoreRefusal,
    message: string,
  ) {
    super(message);
    this.name = 'StoreRefusedError';
  }
}

export interface ParsedDatabaseUrl {
  host: string;
  port: number;
  database: string;
  user: string;
}

/** Checks the shape of a postgres:// URL; never echoes its password. */
export function parseDatabaseUrl(url: string): ParsedDatabaseUrl {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new StoreRefusedError('malformed-url', 'The database URL is not a URL: expected postgres://user:password@host:5432/database');
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:')
    throw new StoreRefusedError('malformed-url', `The database URL must start with postgres:// (it starts with ${u.protocol}//): expected postgres://user:password@host:5432/database`);
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!u.hostname) throw new StoreRefusedError('malformed-url', 'The database URL names no host: expected postgres://user:password@host:5432/database');
  if (!database || database.includes('/'))
    throw new StoreRefusedError('malformed-url', 'The database URL names no database: expected postgres://user:password@host:5432/database');
  const port = u.port ? Number(u.port) : 5432;
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port, database, user: decodeURIComponent(u.username) };
}

/** int8 (counts, sums) and numeric come back as JavaScript numbers, as they do from SQLite. */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 || oid === 1700) return (v: string) => (v === null ? null : Number(v));
    return pgDriver().types.getTypeParser(oid, format);
  },
};

function explain(e: unknown, where: ParsedDatabaseUrl): StoreRefusedError {
  const err = e as { code?: string; message?: string };
  const at = `${where.host}:${where.port}`;
  switch (err.code) {
    case 'ECONNREFUSED':
      return new StoreRefusedError('unreachable', `PostgreSQL at ${at} refused the connection: is the server running and listening there?`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new StoreRefusedError('unreachable', `The database host ${where.host} was not found: check the URL`);
    case 'ETIMEDOUT':
      return new StoreRefusedError('unreachable', `PostgreSQL at ${at} did not answer in time`);
    case '28P01':
    case '28000':
      return new StoreRefusedError('auth', `PostgreSQL at ${at} refused the user "${where.user}": wrong password, or this user may not connect to "${where.database}"`);
    case '3D000':
      return new StoreRefusedError('no-database', `PostgreSQL at ${at} has no database "${where.database}": create it first (see README, Team mode)`);
    default:
      if (/timeout/i.test(err.message ?? '')) return new StoreRefusedError('unreachable', `PostgreSQL at ${at} did not answer in time`);
      return new StoreRefusedError('unreachable', `Could not open the database at ${at}: ${err.message ?? String(e)}`);
  }
}

/** For the move command (db/move-to-postgres.ts): the same sentences for a failed connection. */
export { explain as explainConnectError };

/**
 * A database that holds tables but no Roster migration record, or migrations Roster does not know,
 * belongs to another application (or a newer Roster): refuse before migrating anything into it.
 */
async function refuseForeign(client: pg.PoolClient, where: ParsedDatabaseUrl): Promise<void> {
  const { rows } = await client.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
  );
  const names = rows.map((r) => r.table_name);
  if (names.length === 0) return;
  const foreign = () =>
    new StoreRefusedError(
      'not-roster',
      `The database "${where.database}" holds another application's tables (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}): it is not a Roster directory. Give Roster an empty database of its own.`,
    );
  if (!names.includes('kysely_migration')) throw foreign();
  const applied = await client.query<{ name: string }>('SELECT name FROM kysely_migration');
  const known = new Set(Object.keys(MIGRATIONS));
  const unknown = applied.rows.filter((r) => !known.has(r.name));
  if (applied.rows.length === 0 || !applied.rows.some((r) => r.name === '0001_initial')) throw foreign();
  if (unknown.length > 0)
    throw new StoreRefusedError('not-roster', `The database "${where.database}" was brought up by a newer Roster (${unknown[0]!.name}): update this Roster first`);
}

export interface PostgresOptions {
  /** Connections in the pool (default 10). */
  max?: number;
  connectTimeoutMs?: number;
}

export async function openPostgres(url: string, opts: PostgresOptions = {}): Promise<OpenedStore> {
  const where = parseDatabaseUrl(url);
  const pool = new (pgDriver().Pool)({
    connectionString: url,
    max: opts.max ?? 10,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
    types,
    application_name: 'roster',
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => {});
  // The hot queries go as named statements, parsed and planned once per connection (prepared.ts).
  pool.on('connect', preparingClient);
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (e) {
    await pool.end().catch(() => {});
    throw explain(e, where);
  }
  try {
    await refuseForeign(client, where);
  } catch (e) {
    client.release();
    await pool.end().catch(() => {});
    throw e;
  }
  client.release();
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrateToLatest(db);
  } catch (e) {
    await db.destroy();
    throw e;
  }
  return {
    db,
    dialect: 'postgres',
    sqlite: null,
    close: async () => {
      await db.destroy();
    },
  };
}
