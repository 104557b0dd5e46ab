import { z } from 'zod';
import { DomainError } from '../../core/errors';
import type { Services } from '../../services';
import { isOwner } from '../../services/actor';
import { isFirstOrganization } from '../../services/portal-settings';
import type { StoreRuntime } from '../../services/org-transfer-store';
import { exportChunk, importCommit, importPart, IMPORT_PART_CHARS } from '../../services/org-transfer';
import { adminProcedure, router } from '../trpc';

function storeOf(services: Services): StoreRuntime {
  if (!services.store) throw new DomainError('VALIDATION', 'The store cannot be changed from this process.');
  return services.store;
}

const databaseUrl = z.string().trim().min(1, 'Enter the database URL, postgres://user:password@host:5432/database.').max(2000);

/**
 * Export and import of a whole organization (issue 16). Owners only (checked in the service): the
 * procedures need settings.manage at the company account, as the organization's other settings do.
 */
export const orgTransferRouter = router({
  /** One chunk of the file: no cursor gives its beginning; the console hands `next` back as it came until it is null. */
  exportChunk: adminProcedure('settings.manage', { orgWide: true })
    .input(z.object({ cursor: z.object({ afterId: z.number().int().min(0), written: z.number().int().min(0), sig: z.string().max(100) }).nullable() }))
    .mutation(({ ctx, input }) => exportChunk(ctx.services.deps, ctx.signedIn.actor, ctx.signedIn.organizationId, input.cursor)),

  /** One part of a file to import (parts stay under the request cap); the first part has no upload id. */
  importPart: adminProcedure('settings.manage', { orgWide: true })
    .input(z.object({ uploadId: z.string().regex(/^[0-9a-f]{32}$/).nullable(), text: z.string().max(IMPORT_PART_CHARS) }))
    .mutation(({ ctx, input }) => importPart(ctx.signedIn.actor, input.uploadId, input.text)),

  /** Checks the whole file and creates the organization in one transaction. */
  importCommit: adminProcedure('settings.manage', { orgWide: true })
    .input(z.object({ uploadId: z.string().regex(/^[0-9a-f]{32}$/) }))
    .mutation(({ ctx, input }) => importCommit(ctx.services.deps, { ...ctx.signedIn.actor, email: ctx.signedIn.session.email }, ctx.signedIn.organizationId, input.uploadId)),

  /**
   * Which store the directory is in (the SQLite file's path, or host and database, never the
   * password), and a move's progress: the install Owner only, as the move and the restart are.
   */
  store: adminProcedure('settings.manage', { orgWide: true }).query(async ({ ctx }) => {
    const store = storeOf(ctx.services);
    if (!isOwner(ctx.signedIn.authz) || !(await isFirstOrganization(ctx.services.deps.db, ctx.signedIn.organizationId)))
      throw new DomainError('OWNER_ONLY', "Only the install's Owner can see where the directory is kept.");
    return { info: store.info(), move: store.state(), canRestart: store.canRestart() };
  }),

  /** The install Owner tests a PostgreSQL URL for the move: reachable, and an empty database of Roster's own. */
  testDatabase: adminProcedure('settings.manage', { orgWide: true })
    .input(z.object({ databaseUrl }))
    .mutation(({ ctx, input }) => storeOf(ctx.services).test(ctx.signedIn.actor, ctx.signedIn.organizationId, input.databaseUrl)),

  /** The install Owner moves the directory to PostgreSQL; `store` tells how it goes. */
  moveToPostgres: adminProcedure('settings.manage', { orgWide: true })
    .input(z.object({ databaseUrl }))
    .mutation(({ ctx, input }) => storeOf(ctx.services).move(ctx.signedIn.actor, ctx.signedIn.organizationId, input.databaseUrl)),

  /** After the move, the install Owner restarts Roster, which then opens PostgreSQL. */
  restart: adminProcedure('settings.manage', { orgWide: true }).mutation(({ ctx }) => storeOf(ctx.services).restart(ctx.signedIn.actor, ctx.signedIn.organizationId)),
});
