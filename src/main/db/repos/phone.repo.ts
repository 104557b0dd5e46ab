import type { DbOrTx } from '../database';
import type { PhoneCode } from '../tables/phone_code.table';
import { chunks } from './util';

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

/** Every member's count of wrong codes (a restore of the SQLite store carries them over). */
export async function allPhoneCodeFailures(db: DbOrTx): Promise<{ member_id: number; failures: number }[]> {
  return db.selectFrom('phone_attempt').select(['member_id', 'failures']).execute();
}

/** A restore's store keeps the higher of its count and the running store's, for the members it has. */
export async function raisePhoneCodeFailures(db: DbOrTx, rows: { member_id: number; failures: number }[]): Promise<void> {
  for (const part of chunks(rows, 500)) {
    const known = new Set((await db.selectFrom('member').select('id').where('id', 'in', part.map((r) => r.member_id)).execute()).map((r) => r.id));
    for (const row of part.filter((r) => known.has(r.member_id)))
      await db
        .insertInto('phone_attempt')
        .values(row)
        .onConflict((oc) => oc.column('member_id').doUpdateSet({ failures: row.failures }).where('phone_attempt.failures', '<', row.failures))
        .execute();
  }
}

/** The codes not used yet, by hash. */
export async function unusedPhoneCodeHashes(db: DbOrTx): Promise<string[]> {
  return (await db.selectFrom('phone_code').select('code_hash').where('used_at', 'is', null).execute()).map((r) => r.code_hash);
}

/** When each of these codes was used (null: not yet), of those this store has. */
export async function phoneCodesUsedAt(db: DbOrTx, hashes: string[]): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  for (const part of chunks(hashes, 500))
    for (const r of await db.selectFrom('phone_code').select(['code_hash', 'used_at']).where('code_hash', 'in', part).execute()) out.set(r.code_hash, r.used_at);
  return out;
}

export async function markPhoneCodesUsed(db: DbOrTx, hashes: { code_hash: string; used_at: string }[]): Promise<void> {
  for (const h of hashes) await db.updateTable('phone_code').set({ used_at: h.used_at }).where('code_hash', '=', h.code_hash).where('used_at', 'is', null).execute();
}
