import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AdjustableClock } from '../../../src/main/core/clock';
import { openSqlite, type OpenedStore } from '../../../src/main/db/connect';
import { openDirectory } from '../../../src/main/db/directory';
import { MIGRATIONS, staticMigrationProvider } from '../../../src/main/db/migrations';
import { moveToPostgres, MoveRefusedError, type MoveProgress } from '../../../src/main/db/move-to-postgres';
import { createMail } from '../../../src/main/mail';
import { fileSecretBox } from '../../../src/main/mail/secrets';
import { createServices, type Services } from '../../../src/main/services';
import { createTestDatabase, startPostgres, type RunningPostgres } from '../../support/postgres';
import { BASE_URL, callers, inviteLinkToken, OWNER_EMAIL, PASSWORD, roleId, type Caller } from '../helpers';
import { inviteeDoor } from '../invitee-door';

/**
 * Moving a desktop directory (SQLite) to PostgreSQL (issue 13, item 4). The source is always a real
 * SQLite store filled through the router; the target a real throwaway PostgreSQL: the run's cluster
 * on the PostgreSQL run, a cluster of this file's own on the SQLite run. So the file runs in both
 * unit runs wherever PostgreSQL's binaries are installed (scripts/test.sh installs them); where they
 * are not, it is skipped, saying why, since there is no target to move to.
 */
const hasPostgres =
  !!process.env.ROSTER_PG_BIN || (existsSync('/usr/lib/postgresql') && readdirSync('/usr/lib/postgresql').some((v) => existsSync(join('/usr/lib/postgresql', v, 'bin', 'initdb'))));

interface Side {
  store: OpenedStore;
  services: Services;
  caller(): Caller;
}

/** Roster's services over a store, with the real outbox (mail queued, never sent: the sender is not started). */
function servicesOn(store: OpenedStore, dataDir: string): Side {
  const clock = new AdjustableClock();
  const mail = createMail({ db: store.db, clock, secrets: fileSecretBox(dataDir), env: null, sender: { pollMs: 60_000 } });
  const services = createServices({ db: store.db, clock, publicBaseUrl: () => BASE_URL, notifier: mail.notifier, mail });
  return { store, services, caller: callers(services) };
}

async function signIn(side: Side, email: string): Promise<Caller> {
  const c = side.caller();
  const r = await c.auth.signIn({ email, password: PASSWORD });
  expect(r.ok).toBe(true);
  return c;
}

/** What an admin sees: members with their states, tab counts, roles, the account tree, the log. */
async function view(owner: Caller) {
  const members = (await owner.members.list({ limit: 500 })).items.map((m) => ({ id: m.id, email: m.email, status: m.status })).sort((a, b) => a.id - b.id);
  const accounts = (await owner.accounts.list()).map((a) => ({ id: a.id, name: a.name, parentId: a.parentId, members: a.members }));
  const roles = (await owner.roles.list()).map((r) => ({ id: r.id, name: r.name, members: r.members, permissions: [...r.permissions].sort() }));
  const audit = (await owner.audit.list({})).map((e) => ({ id: e.id, action: e.action }));
  return { members, counts: await owner.members.counts(), accounts, roles, audit };
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

async function pgQuery<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text)).rows;
  } finally {
    await c.end();
  }
}

const tablesIn = async (url: string) =>
  (await pgQuery<{ table_name: string }>(url, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1")).map((r) => r.table_name);

async function refusal(p: Promise<unknown>): Promise<MoveRefusedError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(MoveRefusedError);
    return e as MoveRefusedError;
  }
  throw new Error('Expected the move to be refused, but it went through');
}

describe.skipIf(!hasPostgres)('moving a desktop directory to PostgreSQL (needs PostgreSQL binaries: none installed here)', () => {
  let cluster: RunningPostgres | null = null;
  let adminUrl: string;
  let dataDir: string;
  let file: string;
  let fileHash: string;
  let before: Awaited<ReturnType<typeof view>>;
  let outboxRows: number;
  const drops: (() => Promise<void>)[] = [];

  async function emptyDatabase(): Promise<string> {
    const db = await createTestDatabase(adminUrl);
    drops.push(db.drop);
    return db.url;
  }

  beforeAll(async () => {
    adminUrl = inject('pgAdminUrl') ?? (cluster = await startPostgres()).adminUrl;
    // The desktop: a real SQLite store, filled through the router.
    dataDir = mkdtempSync(join(tmpdir(), 'roster-move-'));
    file = join(dataDir, 'roster.sqlite');
    const desk = servicesOn(await openDirectory({ sqlitePath: file }), dataDir);
    const owner = desk.caller();
    await owner.auth.register({ organizationName: 'Acme', email: OWNER_EMAIL, password: PASSWORD });
    await owner.mail.updateSettings({ host: '127.0.0.1', port: 2525, security: 'none', username: 'roster', password: 'smtp-secret', fromName: null, fromAddress: 'roster@acme.test' });
    const admin = await roleId(owner, 'Admin');
    await owner.roles.create({ name: 'Viewer', permissions: ['members.view'] });
    const sales = (await owner.accounts.create({ name: 'Sales' })).id;
    await owner.accounts.create({ name: 'Paris', parentId: sales, inCharge: { email: 'paula@example.org', roleId: admin } });
    // Europe is created after Sales and then becomes its parent: a reference to a later row.
    const europe = (await owner.accounts.create({ name: 'Europe' })).id;
    await owner.accounts.move({ id: sales, parentId: europe });
    const invited = async (email: string, role: string) =>
      (await owner.members.invite({ entries: [{ email }], grants: { roleIds: [await roleId(owner, role)] } })).invited[0]!.memberId;
    const alice = await invited('alice@example.org', 'Admin');
    await inviteeDoor(desk).accept({ token: await inviteLinkToken(owner, alice), password: PASSWORD });
    await invited('bob@example.org', 'Viewer');
    await owner.members.cancel({ ids: [await invited('carol@example.org', 'Member')] });
    const dave = await invited('dave@example.org', 'Member');
    await inviteeDoor(desk).accept({ token: await inviteLinkToken(owner, dave), password: PASSWORD });
    await owner.members.deactivate({ ids: [dave] });
    before = await view(owner);
    outboxRows = Number((await desk.store.db.selectFrom('mail_outbox').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    await desk.store.close();
    fileHash = sha256(file);
  });

  afterAll(async () => {
    for (const drop of drops) await drop();
    cluster?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('copies the directory: the same members, counts, roles, accounts and log on PostgreSQL, and the Owner signs in', async () => {
    expect(before.members.map((m) => m.status).sort()).toEqual(['accepted', 'accepted', 'cancelled', 'deactivated', 'pending', 'pending']);
    expect(outboxRows).toBeGreaterThan(0);
    const url = await emptyDatabase();
    const progress: MoveProgress[] = [];
    const result = await moveToPostgres({ from: dataDir, databaseUrl: url, chunkRows: 2, onProgress: (p) => progress.push(p) });
    expect(sha256(file)).toBe(fileHash);
    for (const t of result.tables) expect(t.target, t.table).toBe(t.source);
    expect(result.tables.find((t) => t.table === 'member')).toEqual({ table: 'member', source: 6, target: 6 });
    expect(result.tables.find((t) => t.table === 'mail_outbox')?.target).toBe(outboxRows);
    // Progress per table, in chunks, members after their organization.
    const order = progress.flatMap((p) => (p.step === 'table' && p.copied === p.total ? [p.table] : []));
    expect(order.indexOf('organization')).toBeLessThan(order.indexOf('member'));
    expect(progress.filter((p) => p.step === 'table' && p.table === 'member').length).toBeGreaterThan(2);
    // Ready to read at once: every table moved was vacuumed and analyzed (no autovacuum pass over it while the admins work).
    expect(progress.at(-1)).toEqual({ step: 'vacuum' });
    const ready = await pgQuery<{ relname: string }>(url, "SELECT relname FROM pg_stat_user_tables WHERE last_vacuum IS NOT NULL AND last_analyze IS NOT NULL");
    expect(ready.map((r) => r.relname).sort()).toEqual(result.tables.map((t) => t.table).sort());

    const team = servicesOn(await openDirectory({ databaseUrl: url, max: 2 }), dataDir);
    try {
      expect(team.store.dialect).toBe('postgres');
      const owner = await signIn(team, OWNER_EMAIL);
      expect(await view(owner)).toEqual(before);
      await signIn(team, 'alice@example.org');
      // Search runs on the trigram index, set aside for the copy and built again after it.
      expect((await owner.members.list({ search: 'lic' })).items.map((m) => m.email)).toEqual(['alice@example.org']);
      const fresh = await emptyDatabase();
      await (await openDirectory({ databaseUrl: fresh, max: 1 })).close();
      const indexes = "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1";
      expect(await pgQuery(url, indexes)).toEqual(await pgQuery(fresh, indexes));
      // The SMTP password travelled encrypted; this desktop's key (its data folder) still reads it.
      const settings = await team.store.db.selectFrom('mail_settings').select('password_enc').executeTakeFirstOrThrow();
      expect(fileSecretBox(dataDir).decrypt(settings.password_enc!)).toBe('smtp-secret');
      // Work goes on: new rows get ids after the copied ones, and the counters keep counting.
      const { invited } = await owner.members.invite({ entries: [{ email: 'frank@example.org' }], grants: { roleIds: [await roleId(owner, 'Viewer')] } });
      expect(invited[0]!.memberId).toBeGreaterThan(Math.max(...before.members.map((m) => m.id)));
      expect((await owner.members.counts()).pending).toBe((before.counts.pending ?? 0) + 1);
      expect((await owner.roles.list()).find((r) => r.name === 'Viewer')?.members).toBe(2);
    } finally {
      await team.store.close();
    }
  });

  it('refuses a database that already holds a Roster directory with data, and leaves it as it was', async () => {
    const url = await emptyDatabase();
    const other = servicesOn(await openDirectory({ databaseUrl: url, max: 2 }), dataDir);
    try {
      await other.caller().auth.register({ organizationName: 'Other Co', email: 'boss@other.test', password: PASSWORD });
      const err = await refusal(moveToPostgres({ from: file, databaseUrl: url }));
      expect(err.refusal).toBe('target-not-empty');
      expect(err.message).toMatch(/already holds a Roster directory with data/);
      const owner = await signIn(other, 'boss@other.test');
      expect((await owner.members.list({})).items.map((m) => m.email)).toEqual(['boss@other.test']);
    } finally {
      await other.store.close();
    }
    expect(sha256(file)).toBe(fileHash);
  });

  it('refuses a malformed URL and a server that does not answer, before reading anything', async () => {
    const bad = await refusal(moveToPostgres({ from: dataDir, databaseUrl: 'mysql://roster@db/roster' }));
    expect(bad.refusal).toBe('target-url');
    expect(bad.message).toMatch(/must start with postgres:\/\//);
    const closed = await refusal(moveToPostgres({ from: dataDir, databaseUrl: 'postgres://roster:secret@127.0.0.1:1/roster' }));
    expect(closed.refusal).toBe('target-connection');
    expect(closed.message).toMatch(/127\.0\.0\.1:1 refused the connection/);
    expect(closed.message).not.toContain('secret');
  });

  it('the command prints each table and the final counts, and exits non-zero with the reason when refused', async () => {
    const url = await emptyDatabase();
    const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'scripts/move-to-postgres.ts', ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
    // The URL from the environment (kept out of the process list).
    const ok = run(['--from', dataDir], { ROSTER_DATABASE_URL: url });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^ {2}member +6 \/ 6$/m);
    expect(ok.stdout).toMatch(/Row counts checked \(SQLite → PostgreSQL\)/);
    expect(ok.stdout).toMatch(/^ {2}member +6 → 6$/m);
    expect(ok.stdout).not.toContain('roster-test-password');
    const again = run(['--from', dataDir, '--database-url', url]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/^Not moved: .*already holds a Roster directory with data/m);
    expect(run([]).status).toBe(2);
    expect(sha256(file)).toBe(fileHash);
  });

  it("refuses a database holding another application's tables, touching nothing", async () => {
    const url = await emptyDatabase();
    await pgQuery(url, "CREATE TABLE invoices (id serial PRIMARY KEY, total numeric); INSERT INTO invoices (total) VALUES (12.5)");
    const err = await refusal(moveToPostgres({ from: dataDir, databaseUrl: url }));
    expect(err.refusal).toBe('target-foreign');
    expect(err.message).toMatch(/another application's tables \(invoices\)/);
    expect(await tablesIn(url)).toEqual(['invoices']);
  });

  it('refuses a source that is not a Roster store, that a newer Roster made, or that Roster still runs on, without changing it', async () => {
    const url = await emptyDatabase();
    const foreign = join(dataDir, 'notes.sqlite');
    const f = new SQLite(foreign);
    f.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)');
    f.close();
    const foreignHash = sha256(foreign);
    expect((await refusal(moveToPostgres({ from: foreign, databaseUrl: url }))).refusal).toBe('source-not-roster');
    expect(sha256(foreign)).toBe(foreignHash);

    const newer = join(dataDir, 'newer.sqlite');
    const copy = new SQLite(file, { readonly: true });
    await copy.backup(newer);
    copy.close();
    const stamp = new SQLite(newer);
    stamp.exec("INSERT INTO kysely_migration (name, timestamp) VALUES ('0099_future', '2030-01-01T00:00:00.000Z')");
    stamp.close();
    const err = await refusal(moveToPostgres({ from: newer, databaseUrl: url }));
    expect(err.refusal).toBe('source-newer');
    expect(err.message).toMatch(/newer version of Roster/);
    expect((await refusal(moveToPostgres({ from: join(dataDir, 'missing'), databaseUrl: url }))).refusal).toBe('source-missing');
    // A Roster still running on the folder (its lock names a live process: here the test runner's parent).
    writeFileSync(join(dataDir, 'roster.lock'), `${process.ppid}\n`);
    try {
      const running = await refusal(moveToPostgres({ from: dataDir, databaseUrl: url }));
      expect(running.refusal).toBe('source-in-use');
      expect(running.message).toMatch(/Roster is running on .* quit it first/);
    } finally {
      rmSync(join(dataDir, 'roster.lock'));
    }
    expect(await tablesIn(url)).toEqual([]);
  });

  it('leaves the target empty when the move fails half way through the copy', async () => {
    const url = await emptyDatabase();
    const stop = (p: MoveProgress) => {
      if (p.step === 'table' && p.table === 'member' && p.copied > 0) throw new Error('interrupted');
    };
    await expect(moveToPostgres({ from: dataDir, databaseUrl: url, chunkRows: 2, onProgress: stop })).rejects.toThrow('interrupted');
    expect(await tablesIn(url)).toEqual([]);
    expect(await pgQuery(url, "SELECT extname FROM pg_extension WHERE extname = 'pg_trgm'")).toEqual([]);
    // The same database then takes the move.
    const result = await moveToPostgres({ from: dataDir, databaseUrl: url });
    expect(result.tables.find((t) => t.table === 'member')?.target).toBe(6);
    expect(sha256(file)).toBe(fileHash);
  });

  it('names the table when PostgreSQL refuses a row SQLite took (a NUL character in a name) or has no place for a table, and leaves the target empty', async () => {
    const url = await emptyDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'roster-move-nul-'));
    try {
      const src = new SQLite(file, { readonly: true });
      await src.backup(join(dir, 'roster.sqlite'));
      src.close();
      const bad = new SQLite(join(dir, 'roster.sqlite'));
      bad.exec("UPDATE member SET name = 'Bo' || char(0) || 'b' WHERE email = 'bob@example.org'");
      bad.close();
      await expect(moveToPostgres({ from: dir, databaseUrl: url })).rejects.toThrow(/Copying member failed: .*0x00/);
      expect(await tablesIn(url)).toEqual([]);
      // A table PostgreSQL has no place for is not silently left behind either.
      const extra = new SQLite(join(dir, 'roster.sqlite'));
      extra.exec("UPDATE member SET name = 'Bob' WHERE email = 'bob@example.org'; CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)");
      extra.close();
      await expect(moveToPostgres({ from: dir, databaseUrl: url })).rejects.toThrow(/has tables PostgreSQL has no place for \(notes\)/);
      expect(await tablesIn(url)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('moves a store an older Roster made, at the current schema, while the file keeps its own schema and bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roster-move-old-'));
    const target = await createTestDatabase(adminUrl);
    try {
      const file = join(dir, 'roster.sqlite');
      const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: openSqlite(file) }) });
      const { error } = await new Migrator({ db, provider: staticMigrationProvider }).migrateTo('0008b_outbox_link');
      expect(error).toBeUndefined();
      await db.destroy();
      const hash = sha256(file);
      const result = await moveToPostgres({ from: file, databaseUrl: target.url });
      expect(result.tables.every((t) => t.source === 0 && t.target === 0)).toBe(true);
      const applied = (await pgQuery<{ name: string }>(target.url, 'SELECT name FROM kysely_migration ORDER BY name')).map((r) => r.name);
      expect(applied).toEqual(Object.keys(MIGRATIONS).sort());
      expect(sha256(file)).toBe(hash);
      const probe = new SQLite(file, { readonly: true });
      expect(probe.prepare("SELECT count(*) AS n FROM kysely_migration WHERE name = '0011_versions'").get()).toEqual({ n: 0 });
      probe.close();
    } finally {
      await target.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
