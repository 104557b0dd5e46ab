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
 * where a query is a function call and not a round trip: five flat queries, cheaper to run there
 * than JSON building. Both compiled once per page size (compiled.ts).
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
 * `rolePermissions` (each role's permissions, kept by the caller while nothing changed them): the
 * grants through roles come from the page's roles, one query fewer (of the page's seven).
 */
async function flatDecorations(
  db: DbOrTx,
  ids: number[],
  out: Map<number, MemberDecorations>,
  rolePermissions?: ReadonlyMap<number, readonly string[]>,
): Promise<Map<number, MemberDecorations>> {
  const n = ids.length;
  const roles = await executeCompiledOnce(db, `decorations.roles:${n}`, ids, () =>
    db
      .selectFrom('member_role as mr')
      .innerJoin('role as r', 'r.id', 'mr.role_id')
      .select(['mr.member_id', 'mr.role_id', 'mr.account_id', 'r.name', 'r.builtin'])
      .where('mr.member_id', 'in', ids)
      .orderBy('mr.member_id')
      .orderBy('mr.role_id')
      .orderBy('mr.account_id'),
  );
  const accounts = await executeCompiledOnce(db, `decorations.accounts:${n}`, ids, () =>
    db.selectFrom('member_account as ma').select(['ma.member_id', 'ma.account_id']).where('ma.member_id', 'in', ids).orderBy('ma.member_id').orderBy('ma.account_id'),
  );
  const fromRoles = rolePermissions
    ? roles.flatMap((r) => (rolePermissions.get(r.role_id) ?? []).map((permission) => ({ member_id: r.member_id, permission, account_id: r.account_id, role_name: r.name })))
    : await executeCompiledOnce(db, `decorations.roleGrants:${n}`, ids, () =>
        db
          .selectFrom('member_role as mr')
          .innerJoin('role as r', 'r.id', 'mr.role_id')
          .innerJoin('role_permission as rp', 'rp.role_id', 'r.id')
          .select(['mr.member_id', 'rp.permission', 'mr.account_id', 'r.name as role_name'])
          .where('mr.member_id', 'in', ids),
      );
  const single = await executeCompiledOnce(db, `decorations.singleGrants:${n}`, ids, () =>
    db.selectFrom('member_permission as mp').select(['mp.member_id', 'mp.permission', 'mp.account_id']).where('mp.member_id', 'in', ids),
  );
  const mails = await executeCompiledOnce(db, `decorations.mail:${n}`, ids, () =>
    db
      .selectFrom('mail_outbox')
      .select(['member_id', 'status', 'last_error', 'created_at', 'sent_at'])
      .where('id', 'in', (eb) => eb.selectFrom('mail_outbox').select((e) => e.fn.max('id').as('id')).where('member_id', 'in', ids).groupBy('member_id')),
  );
  for (const id of ids) out.set(id, { roles: [], accountIds: [], grants: [], delivery: null });
  for (const r of roles) out.get(r.member_id)?.roles.push({ role_id: r.role_id, account_id: r.account_id, name: r.name, builtin: r.builtin });
  for (const a of accounts) out.get(a.member_id)?.accountIds.push(a.account_id);
  for (const g of fromRoles) out.get(g.member_id)?.grants.push({ permission: g.permission, account_id: g.account_id, role_name: g.role_name });
  for (const g of single) out.get(g.member_id)?.grants.push({ permission: g.permission, account_id: g.account_id, role_name: null });
  for (const m of mails) {
    const d = m.member_id === null ? undefined : out.get(m.member_id);
    if (d) d.delivery = delivery(m);
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
