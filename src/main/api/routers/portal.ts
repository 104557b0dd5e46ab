import { portalSettingsInput } from '../../services/portal-settings';
import { adminProcedure, router } from '../trpc';

/** Where the invitee pages listen (desktop app) and what emailed links start with. */
export const portalRouter = router({
  settings: adminProcedure('settings.manage').query(({ ctx }) => ({ ...ctx.services.portal.current, effectiveBaseUrl: ctx.services.deps.publicBaseUrl() })),
  updateSettings: adminProcedure('settings.manage')
    .input(portalSettingsInput)
    .mutation(async ({ ctx, input }) => {
      const saved = await ctx.services.portal.update(ctx.signedIn.actor, ctx.signedIn.organizationId, input, ctx.services.deps.clock.now().toISOString());
      ctx.services.events.emit('portal-settings-changed');
      return { ...saved, effectiveBaseUrl: ctx.services.deps.publicBaseUrl() };
    }),
});
