import { z } from 'zod';
import { exportChunk, importCommit, importPart, IMPORT_PART_CHARS } from '../../services/org-transfer';
import { adminProcedure, router } from '../trpc';

/**
 * Export and import of a whole organization (issue 16). Owners only (checked in the service): the
 * procedures need settings.manage at the company account, as the organization's other settings do.
 */
export const orgTransferRouter = router({
  /** One chunk of the file: no cursor gives its beginning; the console asks again until `next` is null. */
  exportChunk: adminProcedure('settings.manage', { orgWide: true })
    .input(z.object({ cursor: z.object({ afterId: z.number().int().min(0), written: z.number().int().min(0) }).nullable() }))
    .mutation(({ ctx, input }) => exportChunk(ctx.services.deps, ctx.signedIn.actor, ctx.signedIn.organizationId, input.cursor)),

  /** One part of a file to import (parts stay under the request cap); the first part has no upload id. */
  importPart: adminProcedure('settings.manage', { orgWide: true })
    .input(z.object({ uploadId: z.string().regex(/^[0-9a-f]{32}$/).nullable(), text: z.string().max(IMPORT_PART_CHARS) }))
    .mutation(({ ctx, input }) => importPart(ctx.signedIn.actor, input.uploadId, input.text)),

  /** Checks the whole file and creates the organization in one transaction. */
  importCommit: adminProcedure('settings.manage', { orgWide: true })
    .input(z.object({ uploadId: z.string().regex(/^[0-9a-f]{32}$/) }))
    .mutation(({ ctx, input }) => importCommit(ctx.services.deps, { ...ctx.signedIn.actor, email: ctx.signedIn.session.email }, input.uploadId)),
});
