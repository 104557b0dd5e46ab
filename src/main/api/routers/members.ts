import { z } from 'zod';
import { BULK_ACTIONS, type BulkAction } from '../../../shared/bulk';
import { requireOrganization } from '../../services/organizations';
import {
  cancelInvitations,
  copyAccessLink,
  copyInviteLink,
  deactivateMembers,
  deleteMembers,
  editInput,
  editMember,
  inviteEntries,
  inviteInput,
  inviteMembers,
  previewInvites,
  readAfterExpiry,
  reactivateMembers,
  reinviteMembers,
  resendInvitations,
  sendPasswordResets,
  setMemberRoles,
  listInput,
  listMemberPage,
  memberCounts,
  memberDetail,
  BULK_PERMISSION,
  bulkSelection,
  countMatching,
  memberFilter,
  runBulkBatch,
} from '../../services/members';
import { roleList } from '../../services/grant-rules';
import { progressBoardOf } from '../../services/progress';
import { adminProcedure, router } from '../trpc';

const ids = z.object({ ids: z.array(z.number().int().positive()).min(1, 'Select at least one member.').max(100_000) });
const one = z.object({ id: z.number().int().positive() });
/** A key the console draws at random for one invite call, to ask how far it is. */
const progressKey = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'progressKey: 16 to 64 letters, digits, - or _.').optional();

function summary(r: { changed: number }) {
  return { changed: r.changed };
}


function bulkProcedure(action: BulkAction) {
  const input = action === 'setRoles' ? z.object({ selection: bulkSelection, roleIds: roleList(z.number().int().positive(), 50) }) : z.object({ selection: bulkSelection, roleIds: z.array(z.number().int().positive()).optional() });
  return adminProcedure(BULK_PERMISSION[action])
    .input(input)
    .mutation(({ ctx, input }) => runBulkBatch(ctx.services.deps, ctx.signedIn.actor, ctx.signedIn.organizationId, action, input.selection, input.roleIds ?? []));
}

/**
 * `members.bulk.<action>`: one batch (500 members, one transaction) of a selection given as ids or
 * as the list's filter; the answer says what was done, what was skipped and why, and where to go on.
 */
const bulkRouter = router(Object.fromEntries(BULK_ACTIONS.map((a) => [a, bulkProcedure(a)])) as Record<BulkAction, ReturnType<typeof bulkProcedure>>);

export const membersRouter = router({
  /** How many members the list's filter selects ("Select all 1,004 matching"). */
  countMatching: adminProcedure('members.view')
    .input(memberFilter)
    .query(async ({ ctx, input }) => ({ count: await countMatching(ctx.services.deps, ctx.signedIn.actor, ctx.signedIn.organizationId, input) })),

  bulk: bulkRouter,

  list: adminProcedure('members.view')
    .input(listInput)
    .query(({ ctx, input }) => readAfterExpiry(ctx.services.deps, ctx.signedIn.organizationId, () => listMemberPage(ctx.services.deps, ctx.signedIn.organizationId, ctx.signedIn.actor, input))),

  counts: adminProcedure('members.view').query(({ ctx }) => readAfterExpiry(ctx.services.deps, ctx.signedIn.organizationId, () => memberCounts(ctx.services.deps, ctx.signedIn.organizationId, ctx.signedIn.authz))),

  detail: adminProcedure('members.view')
    .input(one)
    .query(({ ctx, input }) => memberDetail(ctx.services.deps, ctx.signedIn.organizationId, ctx.signedIn.actor, input.id)),

  /**
   * What would happen to each address, before anything is written. A mutation only so that it
   * travels as a POST body: a pasted or imported list does not fit in a GET URL. It writes nothing.
   */
  preview: adminProcedure('members.invite')
    .input(z.object({ entries: inviteEntries }))
    .mutation(async ({ ctx, input }) => {
      const org = await requireOrganization(ctx.services.deps.db, ctx.signedIn.organizationId);
      return previewInvites(ctx.services.deps.db, org, input.entries);
    }),

  invite: adminProcedure('members.invite')
    .input(inviteInput.extend({ progressKey }))
    .mutation(async ({ ctx, input }) => {
      const { progressKey: key, ...invitation } = input;
      const board = progressBoardOf(ctx.services);
      const person = ctx.signedIn.actor.personId;
      const r = await inviteMembers(ctx.services.deps, ctx.signedIn.actor, ctx.signedIn.organizationId, invitation, key ? (p) => board.report(person, key, p) : undefined).finally(
        () => key && board.clear(person, key),
      );
      // Links travel by mail or by "copy link"; the batch answer carries counts and reasons only.
      return { invited: r.invited.map(({ memberId, email }) => ({ memberId, email })), resent: r.resent, skipped: r.skipped };
    }),

  /** How far this person's running invite batch is (the dialog's progress bar), by the key its call carried. */
  inviteProgress: adminProcedure('members.invite')
    .input(z.object({ progressKey: progressKey.unwrap() }))
    .query(({ ctx, input }) => progressBoardOf(ctx.services).read(ctx.signedIn.actor.personId, input.progressKey)),

  resend: adminProcedure('members.invite').input(ids).mutation(async ({ ctx, input }) => summary(await resendInvitations(ctx.services.deps, ctx.signedIn.actor, ctx.signedIn.organizationId, input.ids))),
  reinvite: adminProcedure('members.invite').input(ids).mutation(async ({ ctx, input }) => summary(await reinviteMembers(ctx.services.deps, ctx.signedIn.actor, ctx.signedIn.organizationId, input.ids))),
  cancel: adminProcedure('members.invite').input(ids).mutation(async ({ ctx, input }) => summary(await cancelInvitations(ctx.services.deps, ctx.signedIn.actor, ctx.signedIn.organizationId, input.ids))),
  deactivate: adminProcedure('members.deactivate').input(ids).mutation(async ({ ctx, input }) => summary(await deactivateMembers(ctx.services.deps, ctx.signedIn.actor, ctx.signedIn.organizationId, input.ids))),
  reactivate: adminProcedure('members.deactivate').input(ids).mutation(async ({ ctx, input }) => summary(await reactivateMembers(ctx.services.deps, ctx.signedIn.actor, ctx.signedIn.organizationId, input.ids))),
  delete: adminProcedure('members.delete').input(ids).mutation(async ({ ctx, input }) => summary(await deleteMembers(ctx.services.deps, ctx.signedIn.actor, ctx.signedIn.organizationId, input.ids))),
  sendPasswordReset: adminProcedure('members.edit').input(ids).mutation(async ({ ctx, input }) => summary(await sendPasswordResets(ctx.services.deps, ctx.signedIn.actor, ctx.signedIn.organizationId, input.ids))),

  edit: adminProcedure('members.edit')
    .input(editInput)
    .mutation(async ({ ctx, input }) => summary(await editMember(ctx.services.deps, ctx.signedIn.actor, ctx.signedIn.organizationId, input))),

  /** Bulk role change: the chosen roles replace each member's roles at the company account. */
  setRoles: adminProcedure('members.edit')
    .input(ids.extend({ roleIds: roleList(z.number().int().positive(), 50) }))
    .mutation(async ({ ctx, input }) => summary(await setMemberRoles(ctx.services.deps, ctx.signedIn.actor, ctx.signedIn.organizationId, input.ids, input.roleIds))),

  copyInviteLink: adminProcedure('members.invite')
    .input(one)
    .mutation(({ ctx, input }) => copyInviteLink(ctx.services.deps, ctx.signedIn.actor, ctx.signedIn.organizationId, input.id)),
  /** The reactivation link already sent (or waiting for a mail server), copied to hand over another way. */
  copyReactivationLink: adminProcedure('members.deactivate')
    .input(one)
    .mutation(({ ctx, input }) => copyAccessLink(ctx.services.deps, ctx.signedIn.actor, ctx.signedIn.organizationId, input.id, 'copyReactivationLink')),
});
