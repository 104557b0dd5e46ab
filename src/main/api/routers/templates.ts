import { z } from 'zod';
import { DomainError } from '../../core/errors';
import { listMailTemplates, resetMailTemplate, saveMailTemplate, sendMailTemplateTest } from '../../mail/templates-service';
import { BODY_MAX, SUBJECT_MAX, TEMPLATE_KINDS } from '../../../shared/mail-templates';
import { adminProcedure, router } from '../trpc';

const kind = z.enum(TEMPLATE_KINDS);
const version = z.number().int().min(0);
const text = {
  subject: z.string().max(SUBJECT_MAX, `The subject is too long: at most ${SUBJECT_MAX} characters.`),
  body: z.string().max(BODY_MAX, `The body is too long: at most ${BODY_MAX} characters.`),
};

/** The mail template editor (Mail page): whoever manages mail settings for the whole organization. */
export const mailTemplatesRouter = router({
  list: adminProcedure('settings.manage', { orgWide: true }).query(({ ctx }) => listMailTemplates(ctx.services.deps, ctx.signedIn.actor, ctx.signedIn.organizationId)),

  save: adminProcedure('settings.manage', { orgWide: true })
    .input(z.object({ kind, version, ...text }))
    .mutation(({ ctx, input }) => saveMailTemplate(ctx.services.deps, ctx.signedIn.actor, ctx.signedIn.organizationId, input)),

  reset: adminProcedure('settings.manage', { orgWide: true })
    .input(z.object({ kind, version }))
    .mutation(({ ctx, input }) => resetMailTemplate(ctx.services.deps, ctx.signedIn.actor, ctx.signedIn.organizationId, input)),

  /** Sends the wording being edited to the signed-in admin, through the outbox. */
  sendTest: adminProcedure('settings.manage', { orgWide: true })
    .input(z.object({ kind, ...text }))
    .mutation(({ ctx, input }) => {
      if (!ctx.services.mail) throw new DomainError('MAIL_NOT_CONFIGURED', 'Mail is not available in this process.');
      return sendMailTemplateTest(ctx.services.deps, ctx.services.mail, ctx.signedIn.actor, ctx.signedIn.organizationId, ctx.signedIn.session.email, input);
    }),
});
