import type { DbOrTx } from '../database';
import type { PhoneCode } from '../tables/phone_code.table';

/** Wrong codes entered for a member's invitation, across codes. */
export async function phoneCodeFailures(db: DbOrTx, memberId: number): Promise<number> {
  const row = await db.selectFrom('phone_attempt').select('failures').where('member_id', '=', memberId).executeTakeFirst();
  return row?.failures ?? 0;
}

/** Stores a new code for a member; the earlier ones stop working. */
export async function replacePhoneCode(db: DbOrTx, row: { member_id: number; phone: string; code_hash: string; created_at: string; expires_at: string }): Promise<void> {
  await db.updateTable('phone_code').set({ used_at: row.created_at }).where('member_id', '=', row.member_id).where('used_at', 'is', null).execute();
  await db.insertInto('phone_code').values(row).execute();
}

/** The member's latest unused code, if any. */
export async function latestUnusedPhoneCode(db: DbOrTx, memberId: number): Promise<PhoneCode | undefined> {
  return db.selectFrom('phone_code').selectAll().where('member_id', '=', memberId).where('used_at', 'is', null).orderBy('id', 'desc').executeTakeFirst();
}

export async function markPhoneCodeUsed(db: DbOrTx, id: number, nowIso: string): Promise<void> {
  await db.updateTable('phone_code').set({ used_at: nowIso }).where('id', '=', id).execute();
}

export async function countPhoneCodeFailure(db: DbOrTx, memberId: number): Promise<void> {
  await db
    .insertInto('phone_attempt')
    .values({ member_id: memberId, failures: 1 })
    .onConflict((oc) => oc.column('member_id').doUpdateSet((eb) => ({ failures: eb('phone_attempt.failures', '+', 1) })))
    .execute();
}
