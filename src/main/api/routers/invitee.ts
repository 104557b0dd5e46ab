import { z } from 'zod';
import { acceptInvitation, acceptReactivation, declineInvitation, inspectLink, resetPassword } from '../../services/invitee';
import { linkProcedure, router } from '../trpc';

/** The invitee's side: the link's token is the credential; every call is single-use or read-only. */
const token = z.object({ token: z.string().max(200) });

export const inviteeRouter = router({
  inspect: linkProcedure
    .input(token.extend({ purpose: z.enum(['invitation', 'reactivation', 'password_reset']) }))
    .query(({ ctx, input }) => inspectLink(ctx.services.deps, input.token, input.purpose)),
  accept: linkProcedure
    .input(token.extend({ password: z.string().max(1024).optional(), phone: z.string().max(40).optional(), code: z.string().max(20).optional() }))
    .mutation(({ ctx, input }) => acceptInvitation(ctx.services.deps, input.token, { password: input.password, phone: input.phone, code: input.code })),
  decline: linkProcedure.input(token).mutation(({ ctx, input }) => declineInvitation(ctx.services.deps, input.token)),
  acceptReactivation: linkProcedure.input(token).mutation(({ ctx, input }) => acceptReactivation(ctx.services.deps, input.token)),
  resetPassword: linkProcedure
    .input(token.extend({ password: z.string().max(1024) }))
    .mutation(async ({ ctx, input }) => {
      await resetPassword(ctx.services.deps, input.token, input.password);
      return { ok: true };
    }),
});
