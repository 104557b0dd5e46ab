import { z } from 'zod';
import { DomainError } from '../../core/errors';
import type { Services } from '../../services';
import { approveHeldPush, connectionTestInput, getSyncSettings, listObjects, objectAction, objectOf, previewPush, pushNow, saveSyncSettings, syncSettingsInput, syncStatus, testSyncConnection, type SyncRuntime } from '../../sync/service';
import { reconcile } from '../../sync/reconcile';
import { adminProcedure, router } from '../trpc';

function syncOf(services: Services): SyncRuntime {
  if (!services.sync) throw new DomainError('NOT_FOUND', 'Sync is not available in this process.');
  return services.sync;
}

const sync = () => adminProcedure('sync.manage', { orgWide: true });

export const syncRouter = router({
  /** The settings; the token is never returned, only whether one is stored. */
  getSettings: sync().query(({ ctx }) => getSyncSettings(syncOf(ctx.services), ctx.signedIn.organizationId)),
  saveSettings: sync()
    .input(syncSettingsInput)
    .mutation(({ ctx, input }) => saveSyncSettings(syncOf(ctx.services), ctx.signedIn.actor, ctx.signedIn.organizationId, input)),
  /** Tries the URL and token given (the form's, unsaved), else the saved ones; saves nothing. */
  testConnection: sync()
    .input(connectionTestInput)
    .mutation(({ ctx, input }) => testSyncConnection(syncOf(ctx.services), ctx.signedIn.organizationId, input)),
  status: sync().query(({ ctx }) => syncStatus(syncOf(ctx.services), ctx.signedIn.organizationId)),
  objects: sync()
    .input(z.object({ state: z.enum(['pending', 'in_flight', 'synced', 'failed', 'blocked']).optional(), limit: z.number().int().min(1).max(500).default(100), offset: z.number().int().min(0).default(0) }))
    .query(({ ctx, input }) => listObjects(syncOf(ctx.services), ctx.signedIn.organizationId, input)),
  /** One member's (role's, sub-account's) sync state for its side panel; null when sync is not set up. */
  objectOf: sync()
    .input(z.object({ localType: z.enum(['member', 'role', 'account']), localId: z.number().int().positive() }))
    .query(({ ctx, input }) => objectOf(syncOf(ctx.services), ctx.signedIn.organizationId, input.localType, input.localId)),
  preview: sync().query(({ ctx }) => previewPush(syncOf(ctx.services), ctx.signedIn.organizationId)),
  approve: sync().mutation(({ ctx }) => approveHeldPush(syncOf(ctx.services), ctx.signedIn.actor, ctx.signedIn.organizationId)),
  objectAction: sync()
    .input(z.object({ objectId: z.number().int().positive(), action: z.enum(['retry', 'repush', 'unlink', 'adopt']), remoteId: z.string().trim().min(1).max(500).optional() }))
    .mutation(({ ctx, input }) => objectAction(syncOf(ctx.services), ctx.signedIn.actor, ctx.signedIn.organizationId, input.objectId, input.action, input.remoteId)),
  /** Read-only pull: users only remote, only local, and drifted. */
  reconcile: sync().mutation(({ ctx }) => reconcile(syncOf(ctx.services), ctx.signedIn.organizationId)),
  pushNow: sync()
    .input(z.object({ dryRun: z.boolean().default(false) }).default({ dryRun: false }))
    .mutation(({ ctx, input }) => pushNow(syncOf(ctx.services), ctx.signedIn.actor, ctx.signedIn.organizationId, input.dryRun)),
});
