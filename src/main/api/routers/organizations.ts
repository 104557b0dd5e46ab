import { z } from 'zod';
import { createOrganization, requireOrganization, settingsInput, settingsOf, updateSettings } from '../../services/organizations';
import { adminProcedure, router } from '../trpc';

export const organizationsRouter = router({
  settings: adminProcedure('signedIn').query(async ({ ctx }) => settingsOf(await requireOrganization(ctx.services.deps.db, ctx.signedIn.organizationId))),

  updateSettings: adminProcedure('settings.manage')
    .input(settingsInput)
    .mutation(({ ctx, input }) => updateSettings(ctx.services.deps, ctx.signedIn.actor, ctx.signedIn.organizationId, input)),

  /** A signed-in admin creates another organization and becomes its Owner. */
  create: adminProcedure('signedIn')
    .input(z.object({ name: z.string().trim().min(1, 'Give the organization a name.').max(200) }))
    .mutation(async ({ ctx, input }) => {
      const org = await createOrganization(ctx.services.deps, { ...ctx.signedIn.actor, email: ctx.signedIn.session.email }, input.name);
      return { id: org.id, name: org.name };
    }),
});
