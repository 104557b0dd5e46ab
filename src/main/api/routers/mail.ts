import { z } from 'zod';
import { isValidEmail } from '../../core/addresses';
import { DomainError } from '../../core/errors';
import { exportPendingLinks, getMailSettings, getMailStatus, mailSettingsInput, retryDelivery, sendTestMail, updateMailSettings, type MailRuntime } from '../../mail/service';
import type { Services } from '../../services';
import { adminProcedure, router } from '../trpc';

function mailOf(services: Services): MailRuntime {
  if (!services.mail) throw new DomainError('MAIL_NOT_CONFIGURED', 'Mail is not available in this process.');
  return services.mail;
}

export const mailRouter = router({
  getSettings: adminProcedure('settings.manage', { orgWide: true }).query(({ ctx }) => getMailSettings(ctx.services.deps, mailOf(ctx.services), ctx.signedIn.organizationId)),

  /**
   * Whether mail goes out for this organization (and from where: no server, host or password): the
   * invite dialog, pending rows and the toasts of reactivation and password reset say so when it does not.
   */
  status: adminProcedure('signedIn').query(({ ctx }) => getMailStatus(ctx.services.mail, ctx.signedIn.organizationId)),

  updateSettings: adminProcedure('settings.manage', { orgWide: true })
    .input(mailSettingsInput)
    .mutation(({ ctx, input }) => updateMailSettings(ctx.services.deps, mailOf(ctx.services), ctx.signedIn.actor, ctx.signedIn.organizationId, input)),

  /** Sends a test mail to the given address (the admin's own by default); the same address rule as invitations (IDN domains too). */
  sendTest: adminProcedure('settings.manage', { orgWide: true })
    .input(z.object({ to: z.string().trim().refine(isValidEmail, 'Enter the address to send the test mail to, for example you@example.org.').optional() }))
    .mutation(({ ctx, input }) => sendTestMail(ctx.services.deps, mailOf(ctx.services), ctx.signedIn.organizationId, input.to ?? ctx.signedIn.session.email)),

  /** Queues a member's failed mail again. */
  retry: adminProcedure('members.invite')
    .input(z.object({ memberId: z.number().int().positive() }))
    .mutation(({ ctx, input }) => retryDelivery(ctx.services.deps, mailOf(ctx.services), ctx.signedIn.actor, ctx.signedIn.organizationId, input.memberId)),

  /** New links for every pending invitation, as CSV and as a printable sheet with QR codes. */
  exportPendingLinks: adminProcedure('members.invite').mutation(({ ctx }) => exportPendingLinks(ctx.services.deps, ctx.signedIn.actor, ctx.signedIn.organizationId)),
});
