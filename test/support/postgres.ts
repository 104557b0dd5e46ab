/**
 * vitest globalSetup for ROSTER_TEST_STORE=postgres: a throwaway PostgreSQL cluster in a temporary
 * folder, listening on a free 127.0.0.1 port (its unix socket inside that folder), started once for
 * the whole run and removed at teardown. initdb refuses root, so when we are root the cluster runs
 * as the `postgres` user. Tests get an admin URL (role `roster`, CREATEDB) and create their OWN
 * database each (see createTestDatabase), so they stay independent.
 *
 * Also usable outside vitest (bench, two-process tests): startPostgres() / stop().
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const PG_USER = 'roster';
export const PG_PASSWORD = 'roster-test-password';

export interface RunningPostgres {
  /** postgres://roster:…@127.0.0.1:port/postgres — connect here to create databases. */
  adminUrl: string;
  host: string;
  port: number;
  stop(): void;
}

function binDir(): string {
  if (process.env.ROSTER_PG_BIN) return process.env.ROSTER_PG_BIN;
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(base, versions[0], 'bin');
  }
  throw new Error('PostgreSQL binaries not found (install Debian\'s `postgresql`, or set ROSTER_PG_BIN to the folder holding initdb)');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function startPostgres(): Promise<RunningPostgres> {
  const bin = binDir();
  const root = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'roster-pg-'));
  const data = join(dir, 'data');
  const asOwner = (cmd: string, args: string[]) => {
    const [file, argv] = root ? ['runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]] : [join(bin, cmd), args];
    const r = spawnSync(file, argv as string[], { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}`);
    return r.stdout;
  };
  if (root) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, PG_PASSWORD);
  if (root) execFileSync('chown', ['postgres:postgres', pwfile]);
  asOwner('initdb', ['-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--locale=C', '-N']);
  const port = await freePort();
  const opts = [
    `-p ${port}`, `-k ${dir}`, "-c listen_addresses=127.0.0.1", '-c fsync=off', '-c synchronous_commit=off',
    '-c full_page_writes=off', '-c max_connections=300', '-c shared_buffers=64MB',
  ].join(' ');
  asOwner('pg_ctl', ['-D', data, '-o', opts, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']);
  const stop = () => {
    try {
      asOwner('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      /* already stopped */
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // The application role: a password over TCP (as in production), allowed to create databases.
    asOwner('psql', ['-h', dir, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-c',
      `CREATE ROLE ${PG_USER} LOGIN CREATEDB PASSWORD '${PG_PASSWORD}'`]);
    // DROP DATABASE … WITH (FORCE) must end an autovacuum worker that happens to be on the
    // test's database; PostgreSQL 15 lets only a superuser or pg_signal_backend do that (CI saw
    // "must be a member of the role whose process is being terminated" once in ~1,400 drops).
    asOwner('psql', ['-h', dir, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-c',
      `GRANT pg_signal_backend TO ${PG_USER}`]);
  } catch (e) {
    stop();
    throw e;
  }
  const host = '127.0.0.1';
  return { adminUrl: `postgres://${PG_USER}:${PG_PASSWORD}@${host}:${port}/postgres`, host, port, stop };
}

/** The migrated database each test's store is cloned from (see setup). */
export const TEMPLATE_DATABASE = 'roster_template';

/**
 * A fresh database owned by the test role; returns its URL. Empty, or (`from`) a clone of a
 * template: cloning the migrated template is much cheaper than migrating each test's database.
 */
export async function createTestDatabase(adminUrl: string, opts: { from?: string } = {}): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `roster_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${name}${opts.from ? ` TEMPLATE ${opts.from}` : ''}`);
        break;
      } catch (e) {
        // 55006: the template is briefly in use (another clone starting); try again.
        if ((e as { code?: string }).code !== '55006' || attempt > 50) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  } finally {
    await admin.end();
  }
  const url = adminUrl.replace(/\/postgres$/, `/${name}`);
  return {
    url,
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        for (let attempt = 0; ; attempt++) {
          try {
            await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
            break;
          } catch (e) {
            // 42501/55006: a background process (autovacuum) was on the database; it is gone a moment later.
            const code = (e as { code?: string }).code;
            if ((code !== '42501' && code !== '55006') || attempt > 20) throw e;
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      } finally {
        await c.end();
      }
    },
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

/** vitest globalSetup: starts the cluster when ROSTER_TEST_STORE=postgres. */
export default async function setup(project: { provide: (key: 'pgAdminUrl', value: string) => void }): Promise<(() => void) | undefined> {
  if (process.env.ROSTER_TEST_STORE !== 'postgres') return undefined;
  const cluster = await startPostgres();
  try {
    // One migrated template; each test clones it (openTestStore), still running migrateToLatest (a no-op).
    const admin = new pg.Client({ connectionString: cluster.adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
    await admin.end();
    const { openDirectory } = await import('../../src/main/db/directory');
    const store = await openDirectory({ databaseUrl: cluster.adminUrl.replace(/\/postgres$/, `/${TEMPLATE_DATABASE}`), max: 1 });
    await store.close();
  } catch (e) {
    cluster.stop();
    throw e;
  }
  project.provide('pgAdminUrl', cluster.adminUrl);
  return () => cluster.stop();
}
