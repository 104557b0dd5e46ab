import type { DbOrTx } from '../database';
import type { Link, LinkPurpose, LinkRevocation, NewLink } from '../tables/link.table';
import { chunks, insertCompiledOnce } from './util';

export async function insertLinks(db: DbOrTx, rows: NewLink[]): Promise<void> {
  await insertCompiledOnce(db, rows, 8, (part) => db.insertInto('link').values(part));
}

export async function findLinkByHash(db: DbOrTx, tokenHash: string): Promise<Link | undefined> {
  return db.selectFrom('link').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

/** Makes every live link of these members (for a purpose, or all) stop working. */
/**
 * Revokes the members' live links of one purpose, except a link that a mail still waiting in the
 * outbox carries: that mail will still be sent and must still work (an export made while no mail
 * server was set must not silently kill the invitation mail queued before it).
 */
export async function revokeLinksButQueuedMail(db: DbOrTx, memberIds: number[], reason: LinkRevocation, nowIso: string, purpose: LinkPurpose): Promise<void> {
  for (const part of chunks(memberIds, 5000)) {
    await db
      .updateTable('link')
      .set({ revoked_at: nowIso, revoked_reason: reason })
      .where('member_id', 'in', part)
      .where('used_at', 'is', null)
      .where('revoked_at', 'is', null)
      .where('purpose', '=', purpose)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('mail_outbox')
              .select('mail_outbox.id')
              .whereRef('mail_outbox.link_token_hash', '=', 'link.token_hash')
              .where('mail_outbox.status', 'in', ['queued', 'sending']),
          ),
        ),
      )
      .execute();
  }
}

export async function revokeLinks(
  db: DbOrTx,
  memberIds: number[],
  reason: LinkRevocation,
  nowIso: string,
  purpose?: LinkPurpose,
): Promise<void> {
  for (const part of chunks(memberIds, 5000)) {
    let q = db
      .updateTable('link')
      .set({ revoked_at: nowIso, revoked_reason: reason })
      .where('member_id', 'in', part)
      .where('used_at', 'is', null)
      .where('revoked_at', 'is', null);
    if (purpose) q = q.where('purpose', '=', purpose);
    await q.execute();
  }
}

/** Single use: succeeds for exactly one caller, whatever the concurrency. */
export async function consumeLink(db: DbOrTx, linkId: number, nowIso: string): Promise<boolean> {
  const r = await db
    .updateTable('link')
    .set({ used_at: nowIso })
    .where('id', '=', linkId)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** After one link of a purpose is used, its siblings count as used too. */
export async function markSiblingsUsed(db: DbOrTx, memberId: number, purpose: LinkPurpose, nowIso: string): Promise<void> {
  await db
    .updateTable('link')
    .set({ used_at: nowIso })
    .where('member_id', '=', memberId)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .execute();
}

export async function liveLinkExpiry(db: DbOrTx, memberId: number, purpose: LinkPurpose): Promise<string | undefined> {
  const r = await db
    .selectFrom('link')
    .select('expires_at')
    .where('member_id', '=', memberId)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return r?.expires_at;
}

/** The links that still work (neither used nor revoked), by hash. */
export async function liveLinkHashes(db: DbOrTx): Promise<string[]> {
  return (await db.selectFrom('link').select('token_hash').where('used_at', 'is', null).where('revoked_at', 'is', null).execute()).map((r) => r.token_hash);
}

export type LinkSpent = Pick<Link, 'token_hash' | 'used_at' | 'revoked_at' | 'revoked_reason'>;

/** Whether each of these links was used or revoked, of those this store has. */
export async function linksSpentState(db: DbOrTx, hashes: string[]): Promise<Map<string, LinkSpent>> {
  const out = new Map<string, LinkSpent>();
  for (const part of chunks(hashes, 500))
    for (const r of await db.selectFrom('link').select(['token_hash', 'used_at', 'revoked_at', 'revoked_reason']).where('token_hash', 'in', part).execute()) out.set(r.token_hash, r);
  return out;
}

/** Marks live links used or revoked as given (a restore never brings a spent link back). */
export async function markLinksSpent(db: DbOrTx, rows: LinkSpent[]): Promise<void> {
  for (const r of rows)
    await db.updateTable('link').set({ used_at: r.used_at, revoked_at: r.revoked_at, revoked_reason: r.revoked_reason }).where('token_hash', '=', r.token_hash).where('used_at', 'is', null).where('revoked_at', 'is', null).execute();
}

/** The live invitation links of pending members (a restore's view of the restored copy, before its carry). */
export async function liveInvitationLinksOfPending(db: DbOrTx): Promise<{ member_id: number; token_hash: string }[]> {
  return db
    .selectFrom('link')
    .innerJoin('member', 'member.id', 'link.member_id')
    .select(['link.member_id', 'link.token_hash'])
    .where('member.status', '=', 'pending')
    .where('link.purpose', '=', 'invitation')
    .where('link.used_at', 'is', null)
    .where('link.revoked_at', 'is', null)
    .execute();
}
