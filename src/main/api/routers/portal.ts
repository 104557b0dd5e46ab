import { isOwner } from '../../services/actor';
import { assertInstallOwner, portalSettingsInput } from '../../services/portal-settings';
import { adminProcedure, router } from '../trpc';

/** Where the invitee pages listen (desktop app) and what emailed links start with. */
export const portalRouter = router({
  settings: adminProcedure('settings.manage', { orgWide: true }).query(({ ctx }) => ({ ...ctx.services.portal.current, effectiveBaseUrl: ctx.services.deps.publicBaseUrl() })),
  updateSettings: adminProcedure('settings.manage', { orgWide: true })
    .input(portalSettingsInput)
    .mutation(async ({ ctx, input }) => {
      await assertInstallOwner(ctx.services.deps.db, ctx.signedIn.organizationId, isOwner(ctx.signedIn.authz));
      ctx.services.portal.validate(input);
      // Listen at the new address first: settings that cannot work are never saved.
      await ctx.services.portalHost?.apply(input);
      const saved = await ctx.services.portal.update(ctx.signedIn.actor, ctx.signedIn.organizationId, input, ctx.services.deps.clock.now().toISOString());
      return { ...saved, effectiveBaseUrl: ctx.services.deps.publicBaseUrl() };
    }),
});
