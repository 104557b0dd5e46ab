import { sql } from 'kysely';
import type { MemberStatus } from '../../../shared/statuses';
import type { DbOrTx } from '../database';
import type { Member, MemberUpdate, NewMember } from '../tables/member.table';
import { escapeLike } from './audit.repo';
import { chunks, rowsPerStatement } from './util';

export async function insertMembers(db: DbOrTx, rows: NewMember[]): Promise<Member[]> {
  const out: Member[] = [];
  for (const part of chunks(rows, rowsPerStatement(16))) {
    out.push(...(await db.insertInto('member').values(part).returningAll().execute()));
  }
  return out;
}

export async function findMember(db: DbOrTx, organizationId: number, id: number): Promise<Member | undefined> {
  return db.selectFrom('member').selectAll().where('organization_id', '=', organizationId).where('id', '=', id).executeTakeFirst();
}

export async function findMembers(db: DbOrTx, organizationId: number, ids: number[]): Promise<Member[]> {
  const out: Member[] = [];
  for (const part of chunks(ids, 5000))
    out.push(...(await db.selectFrom('member').selectAll().where('organization_id', '=', organizationId).where('id', 'in', part).execute()));
  return out;
}

/** Members (not deleted) holding any of these normalized addresses. */
export async function findLiveMembersByEmail(db: DbOrTx, organizationId: number, emails: string[]): Promise<Member[]> {
  const out: Member[] = [];
  for (const part of chunks(emails, 5000))
    out.push(
      ...(await db
        .selectFrom('member')
        .selectAll()
        .where('organization_id', '=', organizationId)
        .where('status', '<>', 'deleted')
        .where('email_normalized', 'in', part)
        .execute()),
    );
  return out;
}

export async function updateMember(db: DbOrTx, id: number, patch: MemberUpdate): Promise<Member> {
  return db.updateTable('member').set(patch).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

export async function membersOfPerson(db: DbOrTx, personId: number): Promise<Member[]> {
  return db.selectFrom('member').selectAll().where('person_id', '=', personId).where('status', '<>', 'deleted').execute();
}

export async function pendingDueForExpiry(db: DbOrTx, nowIso: string): Promise<Member[]> {
  return db.selectFrom('member').selectAll().where('status', '=', 'pending').where('invite_expires_at', '<=', nowIso).execute();
}

export async function countByStatus(db: DbOrTx, organizationId: number, accountIds: number[] | 'all'): Promise<Record<string, number>> {
  let q = db
    .selectFrom('member')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('organization_id', '=', organizationId)
    .groupBy('status');
  if (accountIds !== 'all') q = q.where('id', 'in', (eb) => eb.selectFrom('member_account').select('member_id').where('account_id', 'in', accountIds.length ? accountIds : [-1]));
  const rows = await q.execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

export type MemberSort = 'name' | 'email' | 'invited_at' | 'status_changed_at';

export interface MemberListQuery {
  organizationId: number;
  status?: MemberStatus;
  /** Fragment of name, email or phone. */
  search?: string;
  roleId?: number;
  accountId?: number;
  /** Restricts to members with access to one of these accounts (a sub-account admin's scope). */
  scopeAccountIds?: number[] | 'all';
  sort: MemberSort;
  direction: 'asc' | 'desc';
  /** Keyset cursor: the last row's sort value and id. */
  after?: { value: string | null; id: number };
  limit: number;
}

export async function listMembers(db: DbOrTx, q: MemberListQuery): Promise<Member[]> {
  let query = db.selectFrom('member').selectAll().where('organization_id', '=', q.organizationId);
  query = q.status ? query.where('status', '=', q.status) : query.where('status', '<>', 'deleted');
  if (q.search) {
    const text = `%${escapeLike(q.search.trim().toLowerCase())}%`;
    const digits = q.search.replace(/\D/g, '');
    query = query.where((eb) => {
      const ors = [
        sql<boolean>`lower(coalesce(name, '')) like ${text} escape '\\'`,
        sql<boolean>`email_normalized like ${text} escape '\\'`,
      ];
      if (digits.length >= 3) ors.push(sql<boolean>`phone_digits like ${`%${digits}%`}`);
      return eb.or(ors);
    });
  }
  if (q.roleId !== undefined)
    query = query.where('id', 'in', (eb) => eb.selectFrom('member_role').select('member_id').where('role_id', '=', q.roleId!));
  if (q.accountId !== undefined)
    query = query.where('id', 'in', (eb) => eb.selectFrom('member_account').select('member_id').where('account_id', '=', q.accountId!));
  if (q.scopeAccountIds && q.scopeAccountIds !== 'all') {
    const ids = q.scopeAccountIds.length ? q.scopeAccountIds : [-1];
    query = query.where('id', 'in', (eb) => eb.selectFrom('member_account').select('member_id').where('account_id', 'in', ids));
  }
  const column = q.sort === 'name' ? sql<string>`coalesce(lower(name), email_normalized)` : sql.ref<string>(q.sort === 'email' ? 'email_normalized' : q.sort);
  const cmp = q.direction === 'asc' ? '>' : '<';
  if (q.after) {
    const { value, id } = q.after;
    query = query.where((eb) =>
      eb.or([
        eb(column, cmp, value),
        eb.and([eb(column, '=', value), eb('id', cmp, id)]),
      ]),
    );
  }
  return query.orderBy(column, q.direction).orderBy('id', q.direction).limit(q.limit).execute();
}

export function sortValue(m: Member, sort: MemberSort): string | null {
  switch (sort) {
    case 'name':
      return (m.name ?? '').toLowerCase() || m.email_normalized;
    case 'email':
      return m.email_normalized;
    default:
      return m[sort];
  }
}
