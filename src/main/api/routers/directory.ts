import { z } from 'zod';
import { CONSOLE_PERMISSIONS, PERMISSION_LABELS } from '../../../shared/permissions';
import { DomainError } from '../../core/errors';
import { listAudit } from '../../db/repos/audit.repo';
import { insertAccount, listAccounts } from '../../db/repos/accounts.repo';
import { insertAuditRows } from '../../db/repos/audit.repo';
import { listRoles, rolePermissions } from '../../db/repos/roles.repo';
import { auditRow } from '../../services/audit';
import { loadAccountTree } from '../../services/organizations';
import { adminProcedure, router } from '../trpc';

export const rolesRouter = router({
  list: adminProcedure('signedIn').query(async ({ ctx }) => {
    const roles = await listRoles(ctx.services.deps.db, ctx.signedIn.organizationId);
    const perms = await rolePermissions(ctx.services.deps.db, roles.map((r) => r.id));
    return roles.map((r) => ({ id: r.id, name: r.name, builtin: r.builtin, permissions: perms.filter((p) => p.role_id === r.id).map((p) => p.permission) }));
  }),
  catalog: adminProcedure('signedIn').query(async ({ ctx }) => {
    const modules = await ctx.services.deps.db.selectFrom('product_module').selectAll().where('organization_id', '=', ctx.signedIn.organizationId).orderBy('id').execute();
    return {
      console: CONSOLE_PERMISSIONS.map((key) => ({ key, label: PERMISSION_LABELS[key] })),
      modules: modules.map((m) => ({ key: `module:${m.key}`, label: m.name, adminOnly: m.admin_only === 1 })),
    };
  }),
});

export const accountsRouter = router({
  list: adminProcedure('signedIn').query(async ({ ctx }) => {
    const accounts = await listAccounts(ctx.services.deps.db, ctx.signedIn.organizationId);
    const tree = await loadAccountTree(ctx.services.deps.db, ctx.signedIn.organizationId);
    return accounts.map((a) => ({ id: a.id, name: a.name, parentId: a.parent_id, path: tree.path(a.id) }));
  }),
  create: adminProcedure('accounts.manage')
    .input(z.object({ name: z.string().trim().min(1, 'Give the sub-account a name.').max(200), parentId: z.number().int().positive().optional() }))
    .mutation(async ({ ctx, input }) => {
      const { db, clock } = ctx.services.deps;
      const now = clock.now().toISOString();
      return db.transaction().execute(async (trx) => {
        const tree = await loadAccountTree(trx, ctx.signedIn.organizationId);
        const parentId = input.parentId ?? tree.root.id;
        if (!tree.has(parentId)) throw new DomainError('NOT_FOUND', 'The parent account no longer exists: reload and try again.');
        if (!ctx.signedIn.authz.can('accounts.manage', parentId)) throw new DomainError('FORBIDDEN', 'You cannot manage accounts under that one.');
        const account = await insertAccount(trx, { organization_id: ctx.signedIn.organizationId, parent_id: parentId, name: input.name, created_at: now });
        await insertAuditRows(trx, [auditRow(ctx.signedIn.organizationId, ctx.signedIn.actor, 'account.create', { type: 'account', id: account.id, label: account.name }, null, { name: account.name, parentId }, now)]);
        return { id: account.id, name: account.name, parentId };
      });
    }),
});

export const auditRouter = router({
  list: adminProcedure('audit.view')
    .input(z.object({ action: z.string().max(100).optional(), search: z.string().max(200).optional(), beforeId: z.number().int().optional(), limit: z.number().int().min(1).max(1000).default(100) }))
    .query(async ({ ctx, input }) => {
      const rows = await listAudit(ctx.services.deps.db, { organizationId: ctx.signedIn.organizationId, action: input.action, search: input.search, beforeId: input.beforeId, limit: input.limit });
      return rows.map((r) => ({ id: r.id, at: r.at, actor: r.actor_label, action: r.action, targetType: r.target_type, targetId: r.target_id, target: r.target_label, before: r.before_json, after: r.after_json }));
    }),
});
