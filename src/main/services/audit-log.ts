import { z } from 'zod';
import { listAudit } from '../db/repos/audit.repo';
import type { ServiceDeps } from './deps';

/**
 * Reading the audit log: keyset pages (newest first, `beforeId` = the last id seen) through the
 * whole log, filtered by date range, who acted, action, target and free text. The console's
 * export walks the same pages with the same filters, so it holds exactly what the screen shows.
 */

export const auditFilter = z.object({
  action: z.string().max(100).optional(),
  search: z.string().max(200).optional(),
  /** Who acted: a fragment of their address (or "system", "invitee"). */
  actor: z.string().trim().max(320).optional(),
  /** A fragment of the target's label (a member's address, a role's name). */
  target: z.string().trim().max(320).optional(),
  /** From this instant (inclusive) to that one (exclusive). */
  from: z.iso.datetime().optional(),
  to: z.iso.datetime().optional(),
});

export const auditListInput = auditFilter.extend({
  beforeId: z.number().int().optional(),
  limit: z.number().int().min(1).max(1000).default(100),
});

/**
 * A bound as the store writes instants (toISOString: always milliseconds), since they compare as
 * text: "…T10:00:00Z" sorted after "…T10:00:00.500Z". A finer fraction is rounded up to the next
 * millisecond, which keeps both comparisons exact (at >= from, at < to).
 */
export function storedInstant(iso: string): string {
  const ms = new Date(iso).getTime();
  const finer = /\.\d{3}(\d+)/.exec(iso)?.[1] ?? '';
  return new Date(/[1-9]/.test(finer) ? ms + 1 : ms).toISOString();
}

export async function listAuditPage(deps: ServiceDeps, organizationId: number, input: z.infer<typeof auditListInput>) {
  const rows = await listAudit(deps.db, {
    organizationId,
    action: input.action || undefined,
    search: input.search || undefined,
    actor: input.actor || undefined,
    target: input.target || undefined,
    from: input.from === undefined ? undefined : storedInstant(input.from),
    to: input.to === undefined ? undefined : storedInstant(input.to),
    beforeId: input.beforeId,
    limit: input.limit,
  });
  return rows.map((r) => ({ id: r.id, at: r.at, actor: r.actor_label, action: r.action, targetType: r.target_type, targetId: r.target_id, target: r.target_label, before: r.before_json, after: r.after_json }));
}
