import { z } from 'zod';
import { createOrganization, requireOrganization, settingsInput, settingsOf, updateSettings } from '../../services/organizations';
import { DomainError } from '../../core/errors';
import { isOwner } from '../../services/actor';
import { adminProcedure, router } from '../trpc';

export const organizationsRouter = router({
  settings: adminProcedure('signedIn').query(async ({ ctx }) => {
    const org = await requireOrganization(ctx.services.deps.db, ctx.signedIn.organizationId);
    // The version goes back with a save: one over another admin's newer save is refused (team mode).
    const settings = { ...settingsOf(org), version: org.version };
    // The gateway address often carries an API key: only those who manage settings see it.
    return ctx.signedIn.authz.can('settings.manage') ? settings : { ...settings, smsWebhookUrl: settings.smsWebhookUrl ? '(hidden)' : null };
  }),

  updateSettings: adminProcedure('settings.manage', { orgWide: true })
    .input(settingsInput)
    .mutation(({ ctx, input }) => updateSettings(ctx.services.deps, ctx.signedIn.actor, ctx.signedIn.organizationId, input)),

  /** A signed-in admin creates another organization and becomes its Owner. */
  create: adminProcedure('signedIn')
    .input(z.object({ name: z.string().trim().min(1, 'Give the organization a name.').max(200) }))
    .mutation(async ({ ctx, input }) => {
      if (!isOwner(ctx.signedIn.authz)) throw new DomainError('OWNER_ONLY', 'Only an Owner can create another organization.');
      const org = await createOrganization(ctx.services.deps, { ...ctx.signedIn.actor, email: ctx.signedIn.session.email }, input.name);
      return { id: org.id, name: org.name };
    }),
});
