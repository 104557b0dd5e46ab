/*
 * What a restore compares between the restored copy and the running store about invitations
 * (services/backup.ts restoreCarry): who is pending in the copy, who is accepted now.
 */
import type { DbOrTx } from '../database';
import type { Member } from '../tables/member.table';
import { chunks } from './util';

/** A member's identity and acceptance, for a restore comparing the restored copy with the running store. */
export type MemberAcceptance = Pick<Member, 'id' | 'organization_id' | 'email_normalized' | 'accepted_at'>;

/** Every pending member (a restore's view of the restored copy). */
export async function pendingMemberAcceptances(db: DbOrTx): Promise<MemberAcceptance[]> {
  return db.selectFrom('member').select(['id', 'organization_id', 'email_normalized', 'accepted_at']).where('status', '=', 'pending').execute();
}

/**
 * These members, by id, of those accepted and active now (the running store's view, for a restore):
 * one deleted or deactivated since is not someone the admin would invite again.
 */
export async function acceptancesOf(db: DbOrTx, ids: number[]): Promise<MemberAcceptance[]> {
  const out: MemberAcceptance[] = [];
  for (const part of chunks(ids, 500))
    if (part.length)
      out.push(
        ...(await db
          .selectFrom('member')
          .select(['id', 'organization_id', 'email_normalized', 'accepted_at'])
          .where('id', 'in', part)
          .where('status', '=', 'accepted')
          .where('accepted_at', 'is not', null)
          .execute()),
      );
  return out;
}
