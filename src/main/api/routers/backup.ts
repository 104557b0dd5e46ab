import { z } from 'zod';
import { DomainError } from '../../core/errors';
import type { Services } from '../../services';
import { backupName, backupSchedule, type BackupRuntime } from '../../services/backup';
import { adminProcedure, router } from '../trpc';

function backupOf(services: Services): BackupRuntime {
  if (!services.backup) throw new DomainError('VALIDATION', 'Backups are not available in this process.');
  return services.backup;
}

/** Backups of the whole store: the install's Owner only (checked in the service), org-wide settings permission here. */
export const backupRouter = router({
  list: adminProcedure('settings.manage', { orgWide: true }).query(({ ctx }) => backupOf(ctx.services).list(ctx.signedIn.actor, ctx.signedIn.organizationId)),
  create: adminProcedure('settings.manage', { orgWide: true })
    .input(z.object({ name: backupName.optional() }))
    .mutation(({ ctx, input }) => backupOf(ctx.services).create(ctx.signedIn.actor, ctx.signedIn.organizationId, input.name)),
  restore: adminProcedure('settings.manage', { orgWide: true })
    .input(z.object({ name: backupName }))
    .mutation(({ ctx, input }) => backupOf(ctx.services).restore(ctx.signedIn.actor, ctx.signedIn.organizationId, input.name)),
  getSchedule: adminProcedure('settings.manage', { orgWide: true }).query(({ ctx }) => backupOf(ctx.services).getSchedule(ctx.signedIn.actor, ctx.signedIn.organizationId)),
  setSchedule: adminProcedure('settings.manage', { orgWide: true })
    .input(backupSchedule)
    .mutation(({ ctx, input }) => backupOf(ctx.services).setSchedule(ctx.signedIn.actor, ctx.signedIn.organizationId, input)),
});
