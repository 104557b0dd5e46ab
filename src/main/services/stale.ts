import { DomainError } from '../core/errors';
import { lastChangeOf } from '../db/repos/audit.repo';
import type { DbOrTx } from '../db/database';

/**
 * Team mode: several admins edit one directory. A save based on a copy older than the stored
 * version is refused with who changed it and when (from the audit trail), never applied over it.
 */
export async function staleSave(trx: DbOrTx, targetType: string, targetId: number): Promise<DomainError> {
  const last = await lastChangeOf(trx, targetType, targetId);
  const when = last ? `${last.at.slice(0, 16).replace('T', ' ')} UTC` : 'a moment ago';
  return new DomainError('STALE', `Changed by ${last?.actor_label ?? 'another admin'} at ${when}: reload to see it.`);
}
