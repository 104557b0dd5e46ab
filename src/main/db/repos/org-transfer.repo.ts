import { sql } from 'kysely';
import type { DbOrTx } from '../database';
import type { Member } from '../tables/member.table';
import { chunks } from './util';

/** Queries of an organization's export and import (issue 16): small reads by page, batch writes. */

/** One page of the organization's members by ascending id (keyset: pages stay cheap at 100,000 members). */
export async function memberPage(db: DbOrTx, organizationId: number, afterId: number, limit: number): Promise<Member[]> {
  return db.selectFrom('member').selectAll().where('organization_id', '=', organizationId).where('id', '>', afterId).orderBy('id').limit(limit).execute();
}

export async function countMembersOf(db: DbOrTx, organizationId: number): Promise<number> {
  const r = await db
    .selectFrom('member')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('organization_id', '=', organizationId)
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** Role grants, single permissions and account access of these members, as stored. */
export async function grantsOfPage(db: DbOrTx, memberIds: number[]) {
  if (memberIds.length === 0) return { roles: [], permissions: [], accounts: [] };
  return {
    roles: await db.selectFrom('member_role').selectAll().where('member_id', 'in', memberIds).execute(),
    permissions: await db.selectFrom('member_permission').selectAll().where('member_id', 'in', memberIds).execute(),
    accounts: await db.selectFrom('member_account').selectAll().where('member_id', 'in', memberIds).execute(),
  };
}

/** An organization of this name, compared case-insensitively (same words in both dialects). */
export async function findOrganizationByName(db: DbOrTx, name: string): Promise<{ id: number; name: string } | undefined> {
  return db
    .selectFrom('organization')
    .select(['id', 'name'])
    .where(sql<string>`lower(name)`, '=', name.toLowerCase())
    .executeTakeFirst();
}

/** The person of each address, created without a password where missing; says which already had one. */
export async function ensurePeople(db: DbOrTx, emails: string[], now: string): Promise<{ ids: Map<string, number>; withPassword: Set<string> }> {
  const ids = new Map<string, number>();
  const withPassword = new Set<string>();
  const unique = [...new Set(emails)];
  for (const part of chunks(unique, 5000))
    for (const p of await db.selectFrom('person').select(['id', 'email', 'password_hash']).where('email', 'in', part).execute()) {
      ids.set(p.email, p.id);
      if (p.password_hash !== null) withPassword.add(p.email);
    }
  const missing = unique.filter((e) => !ids.has(e));
  for (const part of chunks(missing, 5000)) {
    const rows = part.map((email) => ({ email, password_hash: null, created_at: now, updated_at: now }));
    for (const p of await db.insertInto('person').values(rows).returning(['id', 'email']).execute()) ids.set(p.email, p.id);
  }
  return { ids, withPassword };
}

/** Points imported members at their inviter once both exist (an inviter listed after the member). */
export async function setInviters(db: DbOrTx, pairs: { memberId: number; inviterId: number }[]): Promise<void> {
  for (const p of pairs) await db.updateTable('member').set({ invited_by_member_id: p.inviterId }).where('id', '=', p.memberId).execute();
}
