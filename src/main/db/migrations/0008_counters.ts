import { sql, type Kysely } from 'kysely';
import { createRowTrigger, dialectOf, dropRowTrigger, type RowTrigger } from '../dialect';

// Frozen once shipped: never edit; add a new migration instead. (Its one edit: PostgreSQL's grant
// triggers are BEFORE triggers with their own bodies, see pgGrantTriggers; SQLite is as shipped.)
//
// Counters that do not grow with the directory (issue 17, item 4): for each account, the live
// (not deleted) members with access to it or granted a role or permission there; for each role,
// the live members holding it. Kept by row triggers on both stores (dialect.ts), so the filters,
// the accounts page and the roles page read one row per account or role instead of counting over
// every member. Each trigger looks only at the one member's own grants (primary keys start with
// member_id), so its cost does not grow with the directory either.

const LIVE = (m: string) => `EXISTS (SELECT 1 FROM member WHERE member.id = ${m} AND member.status <> 'deleted')`;

type GrantTable = 'member_account' | 'member_role' | 'member_permission';

/**
 * Another grant ties member `m` to account `a`. `self` excludes the row that fired the trigger
 * (after an insert or update it is already in its table).
 */
function tiedToAccount(m: string, a: string, self?: { table: GrantTable; other?: string }): string {
  const parts: string[] = [];
  const tables: [GrantTable, string | null][] = [
    ['member_account', null],
    ['member_role', 'role_id'],
    ['member_permission', 'permission'],
  ];
  for (const [t, key] of tables) {
    if (self?.table === t && !key) continue; // (member_id, account_id) is the whole key: only the row itself.
    const extra = self?.table === t && key ? ` AND x.${key} <> ${self.other}` : '';
    parts.push(`EXISTS (SELECT 1 FROM ${t} x WHERE x.member_id = ${m} AND x.account_id = ${a}${extra})`);
  }
  return `(${parts.join(' OR ')})`;
}

function accountDelta(row: 'new' | 'old', table: GrantTable): string {
  const m = `${row}.member_id`;
  const a = `${row}.account_id`;
  const self = row === 'new' ? { table, other: table === 'member_role' ? 'new.role_id' : table === 'member_permission' ? 'new.permission' : undefined } : undefined;
  const sign = row === 'new' ? '+' : '-';
  return `UPDATE account_member_count SET n = n ${sign} 1 WHERE account_id = ${a} AND ${LIVE(m)} AND NOT ${tiedToAccount(m, a, self)};`;
}

function roleDelta(row: 'new' | 'old'): string {
  const sign = row === 'new' ? '+' : '-';
  const other = row === 'new' ? ` AND x.account_id <> new.account_id` : '';
  return `UPDATE role_member_count SET n = n ${sign} 1 WHERE role_id = ${row}.role_id AND ${LIVE(`${row}.member_id`)}
    AND NOT EXISTS (SELECT 1 FROM member_role x WHERE x.member_id = ${row}.member_id AND x.role_id = ${row}.role_id${other});`;
}

const GRANT_KEYS: Record<GrantTable, string> = {
  member_account: 'member_id, account_id',
  member_role: 'member_id, role_id, account_id',
  member_permission: 'member_id, permission, account_id',
};

/**
 * PostgreSQL runs AFTER ROW triggers at the end of the statement, when every row it changed is in
 * place: two grants inserted by one statement each saw the other and neither counted. So there the
 * grant triggers run BEFORE each row, seeing the rows changed before it, as SQLite's AFTER triggers
 * do. Before a delete or update the row itself is still there: `x` excludes it by its whole key.
 * Before an insert it is not; an insert skipped by ON CONFLICT finds its twin and counts nothing.
 */
function pgGrantTriggers(t: GrantTable): RowTrigger[] {
  const keys = GRANT_KEYS[t].split(', ');
  const notSelf = (alias: string, table: GrantTable) => (table === t ? ` AND NOT (${keys.map((k) => `${alias}.${k} = old.${k}`).join(' AND ')})` : '');
  const tied = (m: string, a: string, excludeSelf: boolean) =>
    `(${(Object.keys(GRANT_KEYS) as GrantTable[])
      .map((g) => `EXISTS (SELECT 1 FROM ${g} x WHERE x.member_id = ${m} AND x.account_id = ${a}${excludeSelf ? notSelf('x', g) : ''})`)
      .join(' OR ')})`;
  const account = (row: 'new' | 'old', excludeSelf: boolean) =>
    `UPDATE account_member_count SET n = n ${row === 'new' ? '+' : '-'} 1 WHERE account_id = ${row}.account_id AND ${LIVE(`${row}.member_id`)} AND NOT ${tied(`${row}.member_id`, `${row}.account_id`, excludeSelf)};`;
  const role = (row: 'new' | 'old', excludeSelf: boolean) =>
    t !== 'member_role'
      ? ''
      : `UPDATE role_member_count SET n = n ${row === 'new' ? '+' : '-'} 1 WHERE role_id = ${row}.role_id AND ${LIVE(`${row}.member_id`)}
    AND NOT EXISTS (SELECT 1 FROM member_role x WHERE x.member_id = ${row}.member_id AND x.role_id = ${row}.role_id${excludeSelf ? notSelf('x', 'member_role') : ''});`;
  return [
    { name: `${t}_count_ins`, table: t, event: 'INSERT', pgTiming: 'BEFORE', body: account('new', false) + role('new', false) },
    { name: `${t}_count_del`, table: t, event: 'DELETE', pgTiming: 'BEFORE', body: account('old', true) + role('old', true) },
    {
      name: `${t}_count_upd`,
      table: t,
      event: `UPDATE OF ${GRANT_KEYS[t]}`,
      pgTiming: 'BEFORE',
      when: keys.map((c) => `old.${c} IS DISTINCT FROM new.${c}`).join(' OR '),
      body: account('old', true) + account('new', true) + role('old', true) + role('new', true),
    },
  ];
}

function triggers(db: Kysely<any>): RowTrigger[] {
  const out: RowTrigger[] = [
    { name: 'account_member_count_new', table: 'account', event: 'INSERT', body: 'INSERT INTO account_member_count (account_id, n) VALUES (new.id, 0);' },
    { name: 'role_member_count_new', table: 'role', event: 'INSERT', body: 'INSERT INTO role_member_count (role_id, n) VALUES (new.id, 0);' },
  ];
  for (const t of Object.keys(GRANT_KEYS) as GrantTable[]) {
    if (dialectOf(db) === 'postgres') {
      out.push(...pgGrantTriggers(t));
      continue;
    }
    const role = t === 'member_role';
    out.push(
      { name: `${t}_count_ins`, table: t, event: 'INSERT', body: accountDelta('new', t) + (role ? roleDelta('new') : '') },
      { name: `${t}_count_del`, table: t, event: 'DELETE', body: accountDelta('old', t) + (role ? roleDelta('old') : '') },
      {
        name: `${t}_count_upd`,
        table: t,
        event: `UPDATE OF ${GRANT_KEYS[t]}`,
        when: GRANT_KEYS[t]
          .split(', ')
          .map((c) => `old.${c} IS DISTINCT FROM new.${c}`)
          .join(' OR '),
        body: accountDelta('old', t) + accountDelta('new', t) + (role ? roleDelta('old') + roleDelta('new') : ''),
      },
    );
  }
  // A member deleted (or restored) leaves (or rejoins) the counts of every account and role it is tied to.
  const sign = `(CASE WHEN new.status = 'deleted' THEN -1 ELSE 1 END)`;
  out.push({
    name: 'member_tie_counts_status',
    table: 'member',
    event: 'UPDATE OF status',
    when: `(old.status = 'deleted') <> (new.status = 'deleted')`,
    body: `UPDATE account_member_count SET n = n + ${sign} WHERE account_id IN (
        SELECT account_id FROM member_account WHERE member_id = new.id
        UNION SELECT account_id FROM member_role WHERE member_id = new.id
        UNION SELECT account_id FROM member_permission WHERE member_id = new.id);
      UPDATE role_member_count SET n = n + ${sign} WHERE role_id IN (SELECT role_id FROM member_role WHERE member_id = new.id);`,
  });
  return out;
}

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('account_member_count')
    .addColumn('account_id', 'integer', (c) => c.primaryKey().references('account.id').onDelete('cascade'))
    .addColumn('n', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('role_member_count')
    .addColumn('role_id', 'integer', (c) => c.primaryKey().references('role.id').onDelete('cascade'))
    .addColumn('n', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`INSERT INTO account_member_count (account_id, n)
    SELECT a.id, (SELECT count(*) FROM (
        SELECT member_id FROM member_account WHERE account_id = a.id
        UNION SELECT member_id FROM member_role WHERE account_id = a.id
        UNION SELECT member_id FROM member_permission WHERE account_id = a.id) t
      INNER JOIN member ON member.id = t.member_id WHERE member.status <> 'deleted')
    FROM account a`.execute(db);
  await sql`INSERT INTO role_member_count (role_id, n)
    SELECT r.id, (SELECT count(DISTINCT mr.member_id) FROM member_role mr INNER JOIN member ON member.id = mr.member_id
      WHERE mr.role_id = r.id AND member.status <> 'deleted')
    FROM role r`.execute(db);
  for (const t of triggers(db)) await createRowTrigger(db, t);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of triggers(db)) await dropRowTrigger(db, t.name, t.table);
  await db.schema.dropTable('role_member_count').execute();
  await db.schema.dropTable('account_member_count').execute();
}
