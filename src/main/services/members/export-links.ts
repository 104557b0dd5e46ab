import { Authz, outranks } from '../../core/authz';
import { insertAuditRows } from '../../db/repos/audit.repo';
import { grantsOfMembers, type GrantRow } from '../../db/repos/grants.repo';
import { insertLinks, liveLinkExpiry, revokeLinksButQueuedMail } from '../../db/repos/links.repo';
import { findMembers } from '../../db/repos/members.repo';
import { chunks } from '../../db/repos/util';
import type { NewLink } from '../../db/tables/link.table';
import type { AdminActor } from '../actor';
import { auditRow } from '../audit';
import type { ServiceDeps } from '../deps';
import { loadAccountTree } from '../organizations';
import { expireDueIn } from './expiry';
import { assertInScope } from './guards';
import { issueLink } from './links';

/**
 * Invitation links for an export (organizations without mail hand them out on paper or in a sheet).
 *
 * Design: only the SHA-256 of a token is stored, so a link issued earlier cannot be shown again;
 * an export must mint. To keep "one export, one live link" instead of a new live link per member
 * on every call, the export SUPERSEDES the member's earlier live invitation links (revoked with
 * reason 'superseded') and mints exactly one, but keeps the link of an invitation mail still
 * waiting in the outbox (no mail server yet): that mail still goes out once one is set, with a
 * working link. So a member holds at most two live links however often the export runs.
 *
 * It walks the members in batches of EXPORT_BATCH, one short transaction each, and yields to the
 * event loop between batches, so other requests are answered while a 5,000-member export runs.
 * One audit row for the whole export, written with the last batch. A crash mid-way leaves the
 * finished batches superseded and re-minted (and unaudited): exporting again repairs it.
 */
export const EXPORT_BATCH = 500;

export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function exportInviteLinks(deps: ServiceDeps, actor: AdminActor, organizationId: number, ids: number[]): Promise<{ memberId: number; url: string; expiresAt: string }[]> {
  const now = deps.clock.now().toISOString();
  await deps.db.transaction().execute((trx) => expireDueIn(trx, organizationId, now));
  const tree = await loadAccountTree(deps.db, organizationId);
  const out: { memberId: number; url: string; expiresAt: string }[] = [];
  const parts = chunks(ids, EXPORT_BATCH);
  for (let i = 0; i < parts.length; i++) {
    if (i > 0) await yieldToEventLoop();
    const last = i === parts.length - 1;
    await deps.db.transaction().execute(async (trx) => {
      const links: NewLink[] = [];
      const superseded: number[] = [];
      const minted: typeof out = [];
      const members = (await findMembers(trx, organizationId, parts[i]!)).filter((m) => m.status === 'pending');
      const grants = new Map<number, GrantRow[]>();
      for (const g of await grantsOfMembers(trx, members.map((m) => m.id))) grants.set(g.member_id, [...(grants.get(g.member_id) ?? []), g]);
      for (const m of members) {
        try {
          await assertInScope(trx, actor, 'members.invite', [m]);
        } catch {
          continue; // Outside the admin's sub-accounts: not exported.
        }
        const own = grants.get(m.id) ?? [];
        const target = new Authz(own.map((g) => ({ permission: g.permission, accountId: g.account_id, roleName: g.role_name })), tree);
        if (outranks(target, actor.authz)) continue;
        const expiresAt = (await liveLinkExpiry(trx, m.id, 'invitation')) ?? m.invite_expires_at ?? now;
        const issued = issueLink(deps, m, 'invitation', 'invitation', expiresAt, now, actor);
        superseded.push(m.id);
        links.push(issued.link);
        minted.push({ memberId: m.id, url: issued.event.url, expiresAt });
      }
      await revokeLinksButQueuedMail(trx, superseded, 'superseded', now, 'invitation');
      await insertLinks(trx, links);
      out.push(...minted);
      if (last && out.length)
        await insertAuditRows(trx, [
          auditRow(organizationId, actor, 'member.export_links', { type: 'organization', id: organizationId, label: `${out.length.toLocaleString('en-US')} invitation link${out.length === 1 ? '' : 's'}` }, null, { count: out.length, memberIds: out.map((o) => o.memberId), supersedesEarlierLinks: true }, now),
        ]);
    });
  }
  return out;
}
