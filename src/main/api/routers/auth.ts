import type { Authz } from '../../core/authz';
import { z } from 'zod';
import { anyPersonWithPassword } from '../../db/repos/people.repo';
import { membersOfPerson } from '../../db/repos/members.repo';
import { PASSWORD_POLICY } from '../../core/passwords';
import { registerOwner, registrationInput, loadAuthz, requireOrganization } from '../../services/organizations';
import { isOwner } from '../../services/actor';
import { isFirstOrganization } from '../../services/portal-settings';
import { adminProcedure, publicProcedure, router } from '../trpc';

/** "Acme" when members.view holds org-wide; else the top sub-accounts where it holds ("France", "France and Spain"). */
function membersIn(authz: Authz, organizationName: string): string {
  const scope = authz.scope('members.view');
  if (scope === 'all') return organizationName;
  const where = new Set(scope);
  const tops = scope.filter((id) => !authz.tree.ancestors(id).some((a) => where.has(a))).map((id) => authz.tree.get(id)?.name ?? '?');
  if (tops.length === 0) return organizationName;
  return tops.length === 1 ? tops[0]! : `${tops.slice(0, -1).join(', ')} and ${tops[tops.length - 1]}`;
}

export const authRouter = router({
  /** What the first screen needs: whether an Owner exists, and who is signed in. */
  state: publicProcedure.query(async ({ ctx }) => {
    const registered = await anyPersonWithPassword(ctx.services.deps.db);
    const token = ctx.sessionCarrier.get();
    const session = await ctx.services.sessions.resume(token, ctx.userIdleMs ?? null);
    // When Roster ended the session itself (idle lock), the sign-in page says so.
    if (!session) return { registered, passwordPolicy: PASSWORD_POLICY.description, me: null, ended: await ctx.services.sessions.endReason(token) };
    const member = (await membersOfPerson(ctx.services.deps.db, session.personId)).find((m) => m.organization_id === session.organizationId && m.status === 'accepted');
    if (!member) return { registered, passwordPolicy: PASSWORD_POLICY.description, me: null, ended: 'You are no longer an active member of this organization.' };
    const authz = await loadAuthz(ctx.services.deps.db, session.organizationId, member.id);
    const org = await requireOrganization(ctx.services.deps.db, session.organizationId);
    return {
      registered,
      passwordPolicy: PASSWORD_POLICY.description,
      ended: null,
      me: {
        email: session.email,
        name: member.name,
        memberId: member.id,
        organization: { id: org.id, name: org.name, idleLockMinutes: org.idle_lock_minutes },
        organizations: await ctx.services.sessions.consoleOrganizations(session.personId),
        permissions: authz.consolePermissions(),
        /** Held at the company account: what applies to the whole organization (settings, audit, mail). */
        orgPermissions: authz.consolePermissions().filter((p) => authz.can(p)),
        /** Where the members this person sees are: the organization, or their sub-accounts ("France") for a Team Admin. */
        membersIn: membersIn(authz, org.name),
        /** The Owner of the install's first organization decides where the invitee pages listen. */
        installOwner: isOwner(authz) && (await isFirstOrganization(ctx.services.deps.db, org.id)),
      },
    };
  }),

  register: publicProcedure.input(registrationInput).mutation(async ({ ctx, input }) => {
    await registerOwner(ctx.services.deps, input);
    const { token } = await ctx.services.sessions.signIn(input.email, input.password);
    ctx.sessionCarrier.set(token);
    return { ok: true };
  }),

  signIn: publicProcedure
    .input(z.object({ email: z.string().trim().min(1, 'Enter your email address.').max(320), password: z.string().min(1, 'Enter your password.').max(1024), organizationId: z.number().int().positive().optional() }))
    .mutation(async ({ ctx, input }) => {
      // The password is checked under the one guess limiter (sessions.signIn) before anything else is said.
      const { token, session } = await ctx.services.sessions.signIn(input.email, input.password, input.organizationId, ctx.client);
      if (input.organizationId === undefined) {
        // Someone with console access in several organizations picks one (PRODUCT.md): no session until they do.
        const organizations = await ctx.services.sessions.consoleOrganizations(session.personId);
        if (organizations.length > 1) {
          await ctx.services.sessions.signOut(token);
          return { ok: false as const, organizations };
        }
      }
      ctx.sessionCarrier.set(token);
      return { ok: true as const, organizations: [] };
    }),

  signOut: publicProcedure.mutation(async ({ ctx }) => {
    await ctx.services.sessions.signOut(ctx.sessionCarrier.get());
    ctx.sessionCarrier.clear();
    return { ok: true };
  }),

  switchOrganization: adminProcedure('signedIn')
    .input(z.object({ organizationId: z.number().int().positive() }))
    .mutation(async ({ ctx, input }) => {
      const allowed = await ctx.services.sessions.consoleOrganizations(ctx.signedIn.session.personId);
      if (!allowed.some((o) => o.id === input.organizationId)) return { ok: false };
      await ctx.services.sessions.switchOrganization(ctx.signedIn.token, input.organizationId);
      return { ok: true };
    }),
});
