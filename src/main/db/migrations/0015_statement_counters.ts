import type { Kysely } from 'kysely';
import { createRowTrigger, createStatementTrigger, dialectOf, dropRowTrigger, type RowTrigger, type StatementTrigger } from '../dialect';

// Frozen once shipped: never edit; add a new migration instead.
//
// PostgreSQL only (SQLite has no statement-level trigger; its row triggers stay as they are).
// An invite batch inserts its members and grants with multi-row statements. The counters of 0006
// (members per status) and 0008 (members per account and per role) were kept by row triggers, so a
// batch of 100,000 updated the same few counter rows 100,000 times in one transaction, and
// PostgreSQL keeps every version of a row until commit (10,000 updates of one row: 1.3 s; a
// 100,000 batch ran for minutes). Here the inserts and deletes of members, and every change to the
// grant tables, keep the counters with AFTER … FOR EACH STATEMENT triggers reading the statement's
// transition tables: one UPDATE per counter row per statement, the deltas summed with GROUP BY.
// The sync queue's insert triggers (0007) become statement triggers too (same rows, one INSERT).
// Same counts and queue rows as the row triggers, for every writer. Status changes keep their row
// triggers (member_count_status, member_tie_counts_status): commands update members one UPDATE per
// member, where a statement trigger would cost more than the row trigger it replaces.
// Down restores the replaced row triggers exactly as 0006, 0007 and 0008 made them.

type GrantTable = 'member_account' | 'member_role' | 'member_permission';

const GRANT_KEYS: Record<GrantTable, string[]> = {
  member_account: ['member_id', 'account_id'],
  member_role: ['member_id', 'role_id', 'account_id'],
  member_permission: ['member_id', 'permission', 'account_id'],
};
const GRANTS = Object.keys(GRANT_KEYS) as GrantTable[];

const NEW = 'new_rows';
const OLD = 'old_rows';
/** Grant statements over this many rows are planned for their size (createStatementTrigger's replanAbove). */
const REPLAN_ABOVE = 200;

/** The transition tables a trigger for `event` has: new rows for INSERT and UPDATE, old rows for UPDATE and DELETE. */
function tables(event: StatementTrigger['event']): { nt?: string; ot?: string } {
  return { nt: event === 'DELETE' ? undefined : NEW, ot: event === 'INSERT' ? undefined : OLD };
}

function union(parts: (string | false | undefined)[]): string {
  return parts.filter(Boolean).join(' UNION ');
}

/**
 * After a statement on grant table `t`: for each (member, account) pair it touched, whether the live
 * member is tied to the account (by a grant in any of the three tables) after the statement and
 * before it. The state before is the table now, minus the statement's new rows, plus its old rows.
 * The delta (after − before) per account is added to account_member_count; for member_role the
 * same per (member, role) pair to role_member_count. Only the touched members' grants are read.
 */
function grantStatements(t: GrantTable, event: StatementTrigger['event']): string[] {
  const { nt, ot } = tables(event);
  const K = GRANT_KEYS[t].join(', ');
  const others = GRANTS.filter((g) => g !== t);
  const touched = (cols: string) => union([nt && `SELECT DISTINCT ${cols} FROM ${nt}`, ot && `SELECT DISTINCT ${cols} FROM ${ot}`]);
  const cur = `cur AS (SELECT ${K} FROM ${t} WHERE member_id IN (SELECT member_id FROM p))`;
  const beforeRows = `before_rows AS (${union([nt ? `(SELECT ${K} FROM cur EXCEPT SELECT ${K} FROM ${nt})` : `SELECT ${K} FROM cur`, ot && `SELECT ${K} FROM ${ot}`])})`;
  const live = `JOIN member m ON m.id = p.member_id AND m.status <> 'deleted'`;
  const delta = `sum((a.member_id IS NOT NULL)::int - (b.member_id IS NOT NULL)::int)`;

  const other = `other AS (${union(others.map((g) => `SELECT member_id, account_id FROM ${g} WHERE member_id IN (SELECT member_id FROM p)`))})`;
  const accounts = `WITH p AS (${touched('member_id, account_id')}), ${cur}, ${beforeRows}, ${other},
      tied_after AS (SELECT member_id, account_id FROM cur UNION SELECT member_id, account_id FROM other),
      tied_before AS (SELECT member_id, account_id FROM before_rows UNION SELECT member_id, account_id FROM other),
      d AS (SELECT p.account_id, ${delta} AS k FROM p ${live}
        LEFT JOIN tied_after a ON a.member_id = p.member_id AND a.account_id = p.account_id
        LEFT JOIN tied_before b ON b.member_id = p.member_id AND b.account_id = p.account_id
        GROUP BY p.account_id)
    UPDATE account_member_count c SET n = c.n + d.k FROM d WHERE c.account_id = d.account_id AND d.k <> 0`;
  if (t !== 'member_role') return [accounts];
  const roles = `WITH p AS (${touched('member_id, role_id')}), ${cur}, ${beforeRows},
      held_after AS (SELECT DISTINCT member_id, role_id FROM cur),
      held_before AS (SELECT DISTINCT member_id, role_id FROM before_rows),
      d AS (SELECT p.role_id, ${delta} AS k FROM p ${live}
        LEFT JOIN held_after a ON a.member_id = p.member_id AND a.role_id = p.role_id
        LEFT JOIN held_before b ON b.member_id = p.member_id AND b.role_id = p.role_id
        GROUP BY p.role_id)
    UPDATE role_member_count c SET n = c.n + d.k FROM d WHERE c.role_id = d.role_id AND d.k <> 0`;
  return [accounts, roles];
}

/** Adds per-(organization, status) deltas to member_count; `deltas` yields organization_id, status, k. */
function memberCountUpsert(deltas: string, withClause = ''): string {
  return `${withClause}INSERT INTO member_count (organization_id, status, n)
    SELECT organization_id, status, sum(k) FROM (${deltas}) d GROUP BY organization_id, status HAVING sum(k) <> 0
    ON CONFLICT (organization_id, status) DO UPDATE SET n = member_count.n + excluded.n`;
}

/** 0007's sync queue: a change to (type, id) of org, queued only when the organization syncs. */
function enqueueRow(org: string, type: string, id: string, from = ''): string {
  return `INSERT INTO sync_dirty (organization_id, local_type, local_id) SELECT ${org}, '${type}', ${id}${from} ${from ? 'AND' : 'WHERE'} EXISTS (SELECT 1 FROM sync_settings s WHERE s.organization_id = ${org});`;
}

function statementTriggers(): StatementTrigger[] {
  const out: StatementTrigger[] = [
    {
      name: 'member_count_insert_stmt',
      table: 'member',
      event: 'INSERT',
      newTable: NEW,
      statements: [memberCountUpsert(`SELECT organization_id, status, 1 AS k FROM ${NEW}`)],
    },
    {
      name: 'member_count_delete_stmt',
      table: 'member',
      event: 'DELETE',
      oldTable: OLD,
      statements: [
        `UPDATE member_count c SET n = c.n - d.k FROM (SELECT organization_id, status, count(*) AS k FROM ${OLD} GROUP BY organization_id, status) d
          WHERE c.organization_id = d.organization_id AND c.status = d.status`,
      ],
    },
    // The sync queue (0007): one row per inserted row, as the row triggers wrote (the sender folds them per object).
    {
      name: 'sync_member_insert_stmt',
      table: 'member',
      event: 'INSERT',
      newTable: NEW,
      statements: [
        `INSERT INTO sync_dirty (organization_id, local_type, local_id) SELECT n.organization_id, 'member', n.id FROM ${NEW} n
          WHERE EXISTS (SELECT 1 FROM sync_settings s WHERE s.organization_id = n.organization_id)`,
      ],
    },
    ...(['role', 'account'] as const).map(
      (kind): StatementTrigger => ({
        name: `sync_member_${kind}_insert_stmt`,
        table: `member_${kind}`,
        event: 'INSERT',
        newTable: NEW,
        statements: [
          `INSERT INTO sync_dirty (organization_id, local_type, local_id) SELECT x.organization_id, '${kind}', n.${kind}_id FROM ${NEW} n JOIN ${kind} x ON x.id = n.${kind}_id
            WHERE EXISTS (SELECT 1 FROM sync_settings s WHERE s.organization_id = x.organization_id)`,
        ],
      }),
    ),
  ];
  for (const t of GRANTS) {
    for (const event of ['INSERT', 'UPDATE', 'DELETE'] as const) {
      const { nt, ot } = tables(event);
      out.push({ name: `${t}_count_${event.toLowerCase()}_stmt`, table: t, event, newTable: nt, oldTable: ot, statements: grantStatements(t, event), replanAbove: REPLAN_ABOVE });
    }
  }
  return out;
}

// ---- The row triggers this migration replaces, as 0006 and 0008 made them on PostgreSQL (for down) ----

const LIVE = (m: string) => `EXISTS (SELECT 1 FROM member WHERE member.id = ${m} AND member.status <> 'deleted')`;

function pgGrantRowTriggers(t: GrantTable): RowTrigger[] {
  const keys = GRANT_KEYS[t];
  const notSelf = (alias: string, table: GrantTable) => (table === t ? ` AND NOT (${keys.map((k) => `${alias}.${k} = old.${k}`).join(' AND ')})` : '');
  const tied = (m: string, a: string, excludeSelf: boolean) =>
    `(${GRANTS.map((g) => `EXISTS (SELECT 1 FROM ${g} x WHERE x.member_id = ${m} AND x.account_id = ${a}${excludeSelf ? notSelf('x', g) : ''})`).join(' OR ')})`;
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
      event: `UPDATE OF ${keys.join(', ')}`,
      pgTiming: 'BEFORE',
      when: keys.map((c) => `old.${c} IS DISTINCT FROM new.${c}`).join(' OR '),
      body: account('old', true) + account('new', true) + role('old', true) + role('new', true),
    },
  ];
}

function rowTriggers(): RowTrigger[] {
  const add = `INSERT INTO member_count (organization_id, status, n) VALUES (new.organization_id, new.status, 1)
      ON CONFLICT (organization_id, status) DO UPDATE SET n = member_count.n + 1;`;
  const sub = 'UPDATE member_count SET n = n - 1 WHERE organization_id = old.organization_id AND status = old.status;';
  return [
    { name: 'member_count_insert', table: 'member', event: 'INSERT', body: add },
    { name: 'member_count_delete', table: 'member', event: 'DELETE', body: sub },
    ...GRANTS.flatMap(pgGrantRowTriggers),
    { name: 'sync_member_insert', table: 'member', event: 'INSERT', body: enqueueRow('new.organization_id', 'member', 'new.id') },
    { name: 'sync_member_role_insert', table: 'member_role', event: 'INSERT', body: enqueueRow('r.organization_id', 'role', 'new.role_id', ' FROM role r WHERE r.id = new.role_id') },
    { name: 'sync_member_account_insert', table: 'member_account', event: 'INSERT', body: enqueueRow('a.organization_id', 'account', 'new.account_id', ' FROM account a WHERE a.id = new.account_id') },
  ];
}

export async function up(db: Kysely<any>): Promise<void> {
  if (dialectOf(db) !== 'postgres') return;
  for (const t of rowTriggers()) await dropRowTrigger(db, t.name, t.table);
  for (const t of statementTriggers()) await createStatementTrigger(db, t);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (dialectOf(db) !== 'postgres') return;
  for (const t of statementTriggers()) await dropRowTrigger(db, t.name, t.table);
  for (const t of rowTriggers()) await createRowTrigger(db, t);
}
