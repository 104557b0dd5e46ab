import type { ErrorCode } from '../../../shared/errors';
import { DomainError } from '../../core/errors';
import { hashToken, looksLikeToken } from '../../core/tokens';
import type { DbOrTx } from '../../db/database';
import { consumeLink, findLinkByHash, markSiblingsUsed } from '../../db/repos/links.repo';
import { findMemberById } from '../../db/repos/members.repo';
import type { Link, LinkPurpose } from '../../db/tables/link.table';
import type { Member } from '../../db/tables/member.table';
import type { Actor } from '../deps';

/** What an invitee's token is worth: resolving it to its live link and member, and spending it. */

const LINK_MESSAGES: Record<string, string> = {
  LINK_INVALID: 'This link is not valid. Ask the person who invited you for a new one.',
  LINK_EXPIRED: 'This link has expired. Ask the person who invited you to send a new one.',
  LINK_CANCELLED: 'This invitation was cancelled by the organization.',
  LINK_SUPERSEDED: 'A newer link was sent to you: use the most recent email.',
  LINK_USED: 'This link was already used. If that was you, sign in with your email and password.',
  LINK_DECLINED: 'You declined this invitation. If you want to join, ask whoever invited you to invite you again.',
  LINK_ACCESS_ENDED: 'You are no longer a member of this organization. If you need access again, ask its administrator.',
};

/** Said instead of LINK_ACCESS_ENDED's default to someone whose membership is deactivated (not removed). */
const DEACTIVATED_MESSAGE = 'Your access to this organization was turned off. If you need it back, ask its administrator to reactivate you.';

/** Why a link grants nothing once its member's status has moved on (null: the status says nothing more). */
function endedBy(member: Member | undefined, link: Link): DomainError | null {
  if (!member || member.status === 'deleted') return linkError('LINK_ACCESS_ENDED');
  if (member.status === 'deactivated' && (link.purpose !== 'reactivation' || link.used_at)) return new DomainError('LINK_ACCESS_ENDED', DEACTIVATED_MESSAGE);
  if (member.status === 'declined') return linkError('LINK_DECLINED');
  if (member.status === 'cancelled') return linkError('LINK_CANCELLED');
  return null;
}

export function linkError(code: ErrorCode): DomainError {
  return new DomainError(code, LINK_MESSAGES[code]!);
}

const PURPOSE_STATUS: Record<LinkPurpose, Member['status']> = { invitation: 'pending', reactivation: 'deactivated', password_reset: 'accepted' };

/** Finds the live link for a token, or says why it grants nothing. An unknown token and a wrong one read the same. */
export async function resolveLink(db: DbOrTx, token: string, purpose: LinkPurpose, nowIso: string): Promise<{ link: Link; member: Member }> {
  if (!looksLikeToken(token)) throw linkError('LINK_INVALID');
  const link = await findLinkByHash(db, hashToken(token));
  if (!link || link.purpose !== purpose) throw linkError('LINK_INVALID');
  // The member's status first: someone who declined, or whose access ended, is told that, not "already used".
  const member = await findMemberById(db, link.member_id);
  const ended = endedBy(member, link);
  if (ended) throw ended;
  if (!member) throw linkError('LINK_INVALID');
  if (link.used_at) throw linkError('LINK_USED');
  if (link.revoked_reason === 'superseded') throw linkError('LINK_SUPERSEDED');
  if (link.revoked_reason === 'cancelled') throw linkError('LINK_CANCELLED');
  if (link.revoked_at) throw linkError('LINK_INVALID');
  if (link.expires_at <= nowIso || member.status === 'expired') throw linkError('LINK_EXPIRED');
  if (member.status !== PURPOSE_STATUS[purpose]) throw linkError(member.status === 'accepted' ? 'LINK_USED' : 'LINK_INVALID');
  return { link, member };
}

/** The live invitation behind a token, or the reason it grants nothing. */
export async function resolveLiveInvitation(db: DbOrTx, token: string, nowIso: string): Promise<{ link: Link; member: Member }> {
  return resolveLink(db, token, 'invitation', nowIso);
}

export function inviteeActor(member: Member): Actor {
  return { personId: member.person_id, memberId: member.id, label: `${member.email} (invitee)` };
}

/** Spends the link (and its siblings of the same purpose), or says why it grants nothing. */
export async function consumeOrExplain(trx: DbOrTx, token: string, purpose: LinkPurpose, now: string) {
  const found = await resolveLink(trx, token, purpose, now);
  // Single use even under concurrency: the conditional update succeeds for one caller only.
  if (!(await consumeLink(trx, found.link.id, now))) throw linkError('LINK_USED');
  await markSiblingsUsed(trx, found.member.id, purpose, now);
  return found;
}
