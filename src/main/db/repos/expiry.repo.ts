import { sql } from 'kysely';
import type { DbOrTx } from '../database';
import { byDialect } from '../dialect';
import { executeCompiledOnce } from './compiled';

/**
 * Whether some pending invitation of the organization is past its validity: at most one row, found
 * through the partial index member_pending_expiry ('pending' as a literal, so the planner can use
 * it). Every read of the Members page asks, so it is compiled once.
 */
export async function anyDueForExpiry(db: DbOrTx, organizationId: number, nowIso: string): Promise<boolean> {
  const rows = await executeCompiledOnce(db, 'anyDueForExpiry', [nowIso, organizationId, 1], () =>
    db
      .selectFrom('member')
      .select('id')
      .where('status', '=', sql.lit('pending'))
      .where('invite_expires_at', '<=', nowIso)
      // SQLite without statistics (the app never runs ANALYZE) otherwise prefers an (organization, status)
      // index and reads every pending member of the organization: 17 ms at 100,000 on every list call.
      // The unary + keeps those indexes out, leaving the partial index of due invitations.
      .where(byDialect(db, { sqlite: () => sql<boolean>`+organization_id = ${organizationId}`, postgres: () => sql<boolean>`organization_id = ${organizationId}` }))
      .limit(1),
  );
  return rows.length > 0;
}

/**
 * The earliest validity end among pending invitations of every organization (null: none pending):
 * the first entry of the partial index member_pending_expiry.
 */
export async function earliestPendingExpiry(db: DbOrTx): Promise<string | null> {
  const rows = await executeCompiledOnce(db, 'earliestPendingExpiry', [], () =>
    db
      .selectFrom('member')
      .select((eb) => eb.fn.min('invite_expires_at').as('earliest'))
      .where('status', '=', sql.lit('pending')),
  );
  return rows[0]?.earliest ?? null;
}
