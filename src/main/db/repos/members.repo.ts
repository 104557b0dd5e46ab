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

/**
 * Updates a member only if it still is at `version` (no other admin saved in between); undefined
 * when it is not. Under PostgreSQL's row lock a racing save waits, then finds the version moved on.
 */
export async function updateMemberAtVersion(db: DbOrTx, id: number, version: number, patch: MemberUpdate): Promise<Member | undefined> {
  return db.updateTable('member').set(patch).where('id', '=', id).where('version', '=', version).returningAll().executeTakeFirst();
}

export async function membersOfPerson(db: DbOrTx, personId: number): Promise<Member[]> {
  return db.selectFrom('member').selectAll().where('person_id', '=', personId).where('status', '<>', 'deleted').execute();
}

export async function pendingDueForExpiry(db: DbOrTx, nowIso: string): Promise<Member[]> {
  return db.selectFrom('member').selectAll().where('status', '=', 'pending').where('invite_expires_at', '<=', nowIso).execute();
}

export async function countByStatus(db: DbOrTx, organizationId: number, accountIds: number[] | 'all'): Promise<Record<string, number>> {
  if (accountIds === 'all') {
    // Kept by triggers: a handful of rows, whatever the size of the organization.
    const rows = await db.selectFrom('member_count').select(['status', 'n']).where('organization_id', '=', organizationId).execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }
  const rows = await db
    .selectFrom('member')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('organization_id', '=', organizationId)
    .where('id', 'in', (eb) => eb.selectFrom('member_account').select('member_id').where('account_id', 'in', accountIds.length ? accountIds : [-1]))
    .groupBy('status')
    .execute();
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

/** An FTS5 phrase: the text in double quotes, inner quotes doubled. */
function ftsPhrase(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

/** The trigram index answers fragments of 3+ characters; shorter ones fall back to LIKE. */
export const FTS_MIN_CHARS = 3;

export type ListedMember = Member & { sort_key: string | null };

export async function listMembers(db: DbOrTx, q: MemberListQuery): Promise<ListedMember[]> {
  const column = q.sort === 'name' ? sql<string>`coalesce(lower(name), email_normalized)` : sql.ref<string>(q.sort === 'email' ? 'email_normalized' : q.sort);
  let query = db.selectFrom('member').selectAll().select(column.as('sort_key')).where('organization_id', '=', q.organizationId);
  query = q.status ? query.where('status', '=', q.status) : query.where('status', '<>', 'deleted');
  if (q.search) {
    const text = q.search.trim().toLowerCase();
    // Phone digits are searched only when the text looks like a phone number ("+1 415 555", "555-01"):
    // "son98765@" must not match every phone containing 98765.
    const digits = /^[\d\s+().-]+$/.test(q.search.trim()) ? q.search.replace(/\D/g, '') : '';
    if (text.length >= FTS_MIN_CHARS) {
      // Trigram FTS: case-insensitive substring match over name and email, and over phone digits.
      const parts = [`{name email_normalized} : ${ftsPhrase(text)}`];
      if (digits.length >= FTS_MIN_CHARS) parts.push(`phone_digits : ${ftsPhrase(digits)}`);
      const match = parts.join(' OR ');
      query = query.where('id', 'in', sql<number>`(SELECT rowid FROM member_search WHERE member_search MATCH ${match})`);
    } else {
      const like = `%${escapeLike(text)}%`;
      query = query.where((eb) =>
        eb.or([sql<boolean>`lower(coalesce(name, '')) like ${like} escape '\\'`, sql<boolean>`email_normalized like ${like} escape '\\'`]),
      );
    }
  }
  if (q.roleId !== undefined)
    query = query.where('id', 'in', (eb) => eb.selectFrom('member_role').select('member_id').where('role_id', '=', q.roleId!));
  if (q.accountId !== undefined)
    query = query.where('id', 'in', (eb) => eb.selectFrom('member_account').select('member_id').where('account_id', '=', q.accountId!));
  if (q.scopeAccountIds && q.scopeAccountIds !== 'all') {
    const ids = q.scopeAccountIds.length ? q.scopeAccountIds : [-1];
    query = query.where('id', 'in', (eb) => eb.selectFrom('member_account').select('member_id').where('account_id', 'in', ids));
  }
  const ordered = (qq: typeof query) => qq.orderBy(column, q.direction).orderBy('id', q.direction).limit(q.limit).execute() as Promise<ListedMember[]>;
  if (!q.after) return ordered(query);
  // Row-value comparisons let SQLite seek straight into the (…, sort key, id) index: the last
  // page costs what the first does. SQLite sorts NULL keys first: ascending they come before
  // every value, descending after; they are fetched by a second seek rather than an OR, which
  // would turn the seek into a scan.
  const { value, id } = q.after;
  if (value === null)
    return q.direction === 'asc'
      ? ordered(query.where((eb) => eb.or([eb(column, 'is not', null), eb.and([eb(column, 'is', null), eb('id', '>', id)])])))
      : ordered(query.where(column, 'is', null).where('id', '<', id));
  if (q.direction === 'asc') return ordered(query.where(sql<boolean>`(${column}, id) > (${value}, ${id})`));
  const rows = await ordered(query.where(sql<boolean>`(${column}, id) < (${value}, ${id})`));
  if (rows.length >= q.limit) return rows;
  const nulls = (await query.where(column, 'is', null).orderBy('id', 'desc').limit(q.limit - rows.length).execute()) as ListedMember[];
  return [...rows, ...nulls];
}

/** The keyset cursor value of a listed row: its sort key exactly as SQLite computed it. */
export function sortValue(m: ListedMember): string | null {
  return m.sort_key;
}

/** The organization whose membership a person holds longest (joined first): the one that may reset their password. */
export async function homeOrganizationOfPerson(db: DbOrTx, personId: number): Promise<number | undefined> {
  const home = await db
    .selectFrom('member')
    .select('organization_id')
    .where('person_id', '=', personId)
    .where('status', 'in', ['accepted', 'deactivated'])
    .orderBy('accepted_at')
    .orderBy('id')
    .executeTakeFirst();
  return home?.organization_id;
}

/** Accepted members holding the Owner role anywhere in the organization. */
export async function countAcceptedOwners(db: DbOrTx, organizationId: number): Promise<number> {
  const r = await db
    .selectFrom('member_role')
    .innerJoin('role', 'role.id', 'member_role.role_id')
    .innerJoin('member', 'member.id', 'member_role.member_id')
    .select((eb) => eb.fn.count<number>('member.id').distinct().as('n'))
    .where('role.organization_id', '=', organizationId)
    .where('role.builtin', '=', 'owner')
    .where('member.status', '=', 'accepted')
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Pending invitations of an organization, by address (the printable sheet of links). */
export async function pendingMembersByEmail(db: DbOrTx, organizationId: number): Promise<{ id: number; email: string; name: string | null }[]> {
  return db.selectFrom('member').select(['id', 'email', 'name']).where('organization_id', '=', organizationId).where('status', '=', 'pending').orderBy('email').execute();
}

/** Any member row by id, whatever its organization (a link names its member). */
export async function findMemberById(db: DbOrTx, id: number): Promise<Member | undefined> {
  return db.selectFrom('member').selectAll().where('id', '=', id).executeTakeFirst();
}
