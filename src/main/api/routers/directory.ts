import { auditListInput, listAuditPage } from '../../services/audit-log';
import { adminProcedure, router } from '../trpc';

export const auditRouter = router({
  /** One keyset page of the log, newest first; the filters narrow it by date, actor, action, target and text. */
  list: adminProcedure('audit.view', { orgWide: true })
    .input(auditListInput)
    .query(({ ctx, input }) => listAuditPage(ctx.services.deps, ctx.signedIn.organizationId, input)),
});
