import { z } from 'zod';
import { listAudit } from '../../db/repos/audit.repo';
import { adminProcedure, router } from '../trpc';

export const auditRouter = router({
  list: adminProcedure('audit.view', { orgWide: true })
    .input(z.object({ action: z.string().max(100).optional(), search: z.string().max(200).optional(), beforeId: z.number().int().optional(), limit: z.number().int().min(1).max(1000).default(100) }))
    .query(async ({ ctx, input }) => {
      const rows = await listAudit(ctx.services.deps.db, { organizationId: ctx.signedIn.organizationId, action: input.action, search: input.search, beforeId: input.beforeId, limit: input.limit });
      return rows.map((r) => ({ id: r.id, at: r.at, actor: r.actor_label, action: r.action, targetType: r.target_type, targetId: r.target_id, target: r.target_label, before: r.before_json, after: r.after_json }));
    }),
});
