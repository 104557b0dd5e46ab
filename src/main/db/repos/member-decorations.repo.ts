import { sql, type ExpressionBuilder } from 'kysely';
import type { DbOrTx } from '../database';
import { byDialect } from '../dialect';
import { executeCompiledOnce } from './compiled';
import type { OutboxStatus } from '../tables/mail_outbox.table';
import { grantsOfMemberJson, jsonArrayFrom, jsonObjectFrom, parsed } from './json';
import type { Delivery } from './outbox.repo';

/** What the members table shows beside each row of a page, and what its row actions are decided on. */
export interface MemberDecorations {
  roles: { role_id: number; account_id: number; name: string; builtin: string | null }[];
  accountIds: number[];
  /** Every permission the member holds, through roles (role_name) or singly (role_name null). */
  grants: { permission: string; account_id: number; role_name: string | null }[];
  /** The latest mail to the member, if any. */
  delivery: Delivery | null;
}

type MailRow = { status: OutboxStatus; last_error: string | null; created_at: string; sent_at: string | null };

function delivery(mail: MailRow | null): Delivery | null {
  return mail ? { status: mail.status, error: mail.last_error, at: mail.sent_at ?? mail.created_at } : null;
}

/**
 * The roles, sub-accounts, permissions and latest mail of a page's members. Each is an indexed
 * lookup by member (member_role's and member_account's primary keys, member_permission's,
 * mail_outbox_by_member), so a page costs the same at 1,000 or 1,000,000 members. PostgreSQL: one
 * query with the lists nested as JSON (one round trip; it was five, two of them in a row). SQLite,
 * where a query is a function call and not a round trip: one statement of flat rows, cheaper to run
 * there than JSON building. Both compiled once per page size (compiled.ts).
 */
export async function decorationsOf(db: DbOrTx, memberIds: number[], rolePermissions?: ReadonlyMap<number, readonly string[]>): Promise<Map<number, MemberDecorations>> {
  const out = new Map<number, MemberDecorations>();
  if (memberIds.length === 0) return out;
  return byDialect(db, { sqlite: () => flatDecorations(db, memberIds, out, rolePermissions), postgres: () => nestedDecorations(db, memberIds, out) });
}

async function nestedDecorations(db: DbOrTx, memberIds: number[], out: Map<number, MemberDecorations>): Promise<Map<number, MemberDecorations>> {
  // One text whatever the page size: the ids as one array parameter.
  const rows = await executeCompiledOnce(db, 'decorations', [memberIds], () => decorationsQuery(db, memberIds));
  for (const r of rows) out.set(r.id, decorationsOfRow(r));
  return out;
}

/**
 * One row of the SQLite decorations statement: `kind` says which list it belongs to and what its
 * columns hold (see flatDecorations).
 */
type FlatRow = { kind: 0 | 1 | 2 | 3 | 4; member_id: number; a: number | string; b: number | string | null; c: string | null; d: string | null };

/**
 * SQLite: the page's decorations as one statement of flat rows, a UNION ALL of the indexed lookups
 * (roles, sub-accounts, grants, latest mail). One statement rather than five: each statement on a
 * WAL file opens and closes a read transaction, and the five together cost about 50 µs of the
 * page's 0.5 ms where the one costs 35 (issue 17 item 5); the rows are the same.
 * `rolePermissions` (each role's permissions, kept by the caller while nothing changed them): the
 * grants through roles come from the page's roles, one lookup fewer.
 */
async function flatDecorations(
  db: DbOrTx,
  ids: number[],
  out: Map<number, MemberDecorations>,
  rolePermissions?: ReadonlyMap<number, readonly string[]>,
): Promise<Map<number, MemberDecorations>> {
  const kept = rolePermissions !== undefined;
  // Built only for the first page of this size: later ones send the compiled text with their ids.
  const build = () => {
    const list = () => sql`(${sql.join(ids)})`;
    const parts = [
      // kind 0, a role held: a = role_id, b = account_id, c = role name, d = builtin.
      sql`SELECT 0 AS kind, mr.member_id, mr.role_id AS a, mr.account_id AS b, r.name AS c, r.builtin AS d FROM member_role mr JOIN role r ON r.id = mr.role_id WHERE mr.member_id IN ${list()}`,
      // kind 2, a sub-account: a = account_id.
      sql`SELECT 2, member_id, account_id, NULL, NULL, NULL FROM member_account WHERE member_id IN ${list()}`,
      // kind 3, a permission granted singly: a = account_id, c = permission.
      sql`SELECT 3, member_id, account_id, NULL, permission, NULL FROM member_permission WHERE member_id IN ${list()}`,
      // kind 4, the latest mail: a = status, b = last_error, c = created_at, d = sent_at.
      sql`SELECT 4, member_id, status, last_error, created_at, sent_at FROM mail_outbox WHERE id IN (SELECT max(id) FROM mail_outbox WHERE member_id IN ${list()} GROUP BY member_id)`,
    ];
    // kind 1, a permission through a role (when no kept copy): a = account_id, c = permission, d = role name.
    if (!kept)
      parts.push(
        sql`SELECT 1, mr.member_id, mr.account_id, NULL, rp.permission, r.name FROM member_role mr JOIN role r ON r.id = mr.role_id JOIN role_permission rp ON rp.role_id = r.id WHERE mr.member_id IN ${list()}`,
      );
    // Ordered as the lists were: roles by role then sub-account, grants through roles before single ones, sub-accounts by id.
    const statement = sql<FlatRow>`${sql.join(parts, sql` UNION ALL `)} ORDER BY 1, 2, 3, 4`;
    return { compile: () => statement.compile(db) };
  };
  const params = kept ? [...ids, ...ids, ...ids, ...ids] : [...ids, ...ids, ...ids, ...ids, ...ids];
  const rows = await executeCompiledOnce(db, `decorations.flat:${ids.length}:${kept ? 'kept' : 'read'}`, params, build);
  for (const id of ids) out.set(id, { roles: [], accountIds: [], grants: [], delivery: null });
  for (const r of rows) {
    const d = out.get(r.member_id);
    if (!d) continue;
    switch (r.kind) {
      case 0: {
        d.roles.push({ role_id: r.a as number, account_id: r.b as number, name: r.c!, builtin: r.d });
        for (const permission of rolePermissions?.get(r.a as number) ?? []) d.grants.push({ permission, account_id: r.b as number, role_name: r.c });
        break;
      }
      case 1:
        d.grants.push({ permission: r.c!, account_id: r.a as number, role_name: r.d });
        break;
      case 2:
        d.accountIds.push(r.a as number);
        break;
      case 3:
        d.grants.push({ permission: r.c!, account_id: r.a as number, role_name: null });
        break;
      case 4:
        d.delivery = delivery({ status: r.a as OutboxStatus, last_error: r.b as string | null, created_at: r.c!, sent_at: r.d });
        break;
    }
  }
  return out;
}

/** The PostgreSQL form: one row per member, its lists nested as JSON. */
export function decorationsQuery(db: DbOrTx, memberIds: number[]) {
  return db
    .selectFrom('member as m')
    .select('m.id')
    .select((eb) => {
      const c = decorationColumns(db, eb);
      return [c.roles.as('roles'), c.accounts.as('accounts'), c.grants.as('grants'), c.delivery.as('delivery')];
    })
    .where(sql<boolean>`m.id = any(${memberIds})`);
}

/**
 * The decorations of the member row aliased `m` in the enclosing query, as four JSON columns (roles,
 * accounts, grants, delivery): decorationsQuery above, and a PostgreSQL page that carries its rows'
 * decorations in the same statement (members.repo.ts). Read them back with decorationsOfRow.
 */
// oxlint-disable-next-line no-explicit-any -- the enclosing query's tables vary; `m` is all it needs.
export function decorationColumns(db: DbOrTx, eb: ExpressionBuilder<any, any>) {
  return {
    roles: jsonArrayFrom(
      db,
      eb
        .selectFrom('member_role as mr')
        .innerJoin('role as r', 'r.id', 'mr.role_id')
        .select(['mr.role_id', 'mr.account_id', 'r.name', 'r.builtin'])
        .whereRef('mr.member_id', '=', 'm.id')
        .orderBy('mr.role_id')
        .orderBy('mr.account_id'),
    ),
    accounts: jsonArrayFrom(db, eb.selectFrom('member_account as ma').select('ma.account_id').whereRef('ma.member_id', '=', 'm.id').orderBy('ma.account_id')),
    grants: grantsOfMemberJson(db, eb),
    delivery: jsonObjectFrom(
      db,
      eb.selectFrom('mail_outbox as mo').select(['mo.status', 'mo.last_error', 'mo.created_at', 'mo.sent_at']).whereRef('mo.member_id', '=', 'm.id').orderBy('mo.id', 'desc').limit(sql.lit(1)),
    ),
  };
}

/** The four JSON columns of decorationColumns, as a member's decorations. */
export interface DecorationsJson {
  roles: MemberDecorations['roles'] | string;
  accounts: { account_id: number }[] | string;
  grants: MemberDecorations['grants'] | string;
  delivery: MailRow | string | null;
}

export function decorationsOfRow(r: DecorationsJson): MemberDecorations {
  return {
    roles: parsed(r.roles),
    accountIds: parsed(r.accounts).map((a) => a.account_id),
    grants: parsed(r.grants),
    delivery: delivery(r.delivery === null ? null : parsed<MailRow>(r.delivery)),
  };
}
