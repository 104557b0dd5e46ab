import { hashToken, newToken, newTokens } from '../../core/tokens';
import type { DbOrTx } from '../../db/database';
import { insertLinks } from '../../db/repos/links.repo';
import type { LinkPurpose, NewLink } from '../../db/tables/link.table';
import type { Member } from '../../db/tables/member.table';
import { linkUrl, type Actor, type LinkIssued, type LinkKind, type ServiceDeps } from '../deps';

export interface IssuedLink {
  link: NewLink;
  event: LinkIssued;
  token: string;
}

/** A new link for a member: its row (hash only) and the event the notifier mails; the mail names `inviter` (their name where known). */
export function issueLink(deps: ServiceDeps, member: Member, purpose: LinkPurpose, kind: LinkKind, expiresAt: string, now: string, inviter: Actor, token = newToken(), url = linkUrl(deps, purpose, token)): IssuedLink {
  const tokenHash = hashToken(token);
  return {
    token,
    link: { member_id: member.id, purpose, token_hash: tokenHash, created_at: now, expires_at: expiresAt },
    event: {
      kind,
      purpose,
      organizationId: member.organization_id,
      memberId: member.id,
      email: member.email,
      name: member.name,
      url,
      expiresAt,
      inviterLabel: inviter.label,
      inviterMemberId: inviter.memberId,
      tokenHash,
      memberStatus: member.status,
    },
  };
}

/** Links for many members (an invite batch): the tokens drawn at once and the link base read once. */
export function issueLinks(deps: ServiceDeps, members: Member[], purpose: LinkPurpose, kind: LinkKind, expiresAt: string, now: string, inviter: Actor): IssuedLink[] {
  const tokens = newTokens(members.length);
  const base = linkUrl(deps, purpose, '');
  return members.map((m, i) => issueLink(deps, m, purpose, kind, expiresAt, now, inviter, tokens[i], base + tokens[i]));
}

/** Stores the links and queues their mails in the same transaction. */
export async function saveLinks(deps: ServiceDeps, trx: DbOrTx, issued: IssuedLink[]): Promise<void> {
  await insertLinks(trx, issued.map((i) => i.link));
  if (deps.notifier && issued.length) await deps.notifier.linksIssued(trx, issued.map((i) => i.event));
}
