import type { DbOrTx } from '../../db/database';
import { insertAuditRows } from '../../db/repos/audit.repo';
import { anyDueForExpiry, earliestPendingExpiry } from '../../db/repos/expiry.repo';
import { pendingDueForExpiry, updateMember } from '../../db/repos/members.repo';
import type { NewAuditRow } from '../../db/tables/audit.table';
import { memberAudit } from '../audit';
import { SYSTEM_ACTOR, type ServiceDeps } from '../deps';
import { underGeneration } from '../generation-memo';

/** Expires the due invitations (of one organization, or all) inside the caller's transaction. */
export async function expireDueIn(trx: DbOrTx, organizationId: number | null, now: string): Promise<number> {
  let due = await pendingDueForExpiry(trx, now);
  if (organizationId !== null) due = due.filter((m) => m.organization_id === organizationId);
  if (due.length === 0) return 0;
  const audit: NewAuditRow[] = [];
  for (const m of due) {
    const after = await updateMember(trx, m.id, { status: 'expired', status_changed_at: m.invite_expires_at ?? now, updated_at: now });
    audit.push(memberAudit(m.organization_id, SYSTEM_ACTOR, 'member.expire', m, after, now));
  }
  await insertAuditRows(trx, audit);
  return due.length;
}

/**
 * True when no pending invitation can be due at `now`, mostly without a query: the earliest pending
 * expiry is read once per store generation (inviting, resending, accepting or cancelling moves it,
 * here or in another connection) and compared with the clock. Every list, search and member command
 * asked the index instead (two of the load's statements per round). False where nothing may be
 * cached (PostgreSQL): the caller asks the store.
 */
export async function noneDue(deps: ServiceDeps, db: DbOrTx, now: string): Promise<boolean> {
  if (!deps.authzGeneration) return false;
  const earliest = await underGeneration(deps, 'earliestPendingExpiry', () => earliestPendingExpiry(db));
  return earliest === null || now < earliest;
}

/** Moves every pending invitation past its validity to Expired. Cheap when nothing is due (an index lookup). */
export async function expireDue(deps: ServiceDeps, organizationId: number | null = null): Promise<number> {
  const now = deps.clock.now().toISOString();
  const due = await pendingDueForExpiry(deps.db, now);
  if (due.length === 0) return 0;
  return deps.db.transaction().execute((trx) => expireDueIn(trx, organizationId, now));
}

/**
 * What `read` returns once the organization's due invitations have expired. The check for due ones
 * runs beside the read (on PostgreSQL, two pooled connections at once: one round trip, not two in a
 * row); only when some were due are they expired and the read made again. The Members page reads
 * through this, so a row never shows Pending past its validity.
 */
export async function readAfterExpiry<T>(deps: ServiceDeps, organizationId: number, read: () => Promise<T>): Promise<T> {
  const now = deps.clock.now().toISOString();
  if (await noneDue(deps, deps.db, now)) return read();
  const [due, result] = await Promise.all([anyDueForExpiry(deps.db, organizationId, now), read()]);
  if (!due) return result;
  await deps.db.transaction().execute((trx) => expireDueIn(trx, organizationId, now));
  return read();
}
