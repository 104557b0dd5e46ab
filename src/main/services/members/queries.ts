import { z } from 'zod';
import { LISTED_STATUSES, MEMBER_STATUSES, type MemberStatus } from '../../../shared/statuses';
import { Authz } from '../../core/authz';
import { DomainError } from '../../core/errors';
import { listAudit } from '../../db/repos/audit.repo';
import { accountsOfMembers, rolesOfMembers, permissionsOfMembers } from '../../db/repos/grants.repo';
import { readMemberPage } from '../../db/repos/member-list.repo';
import type { MemberDecorations } from '../../db/repos/member-decorations.repo';
import { permissionsByRole } from '../../db/repos/roles.repo';
import { countByStatus, findMember, sortValue, type MemberListQuery, type MemberSort } from '../../db/repos/members.repo';
import type { Member } from '../../db/tables/member.table';
import type { Delivery } from '../../db/repos/outbox.repo';
import type { ServiceDeps } from '../deps';
import { underGeneration } from '../generation-memo';
import type { AdminActor } from '../actor';
import { loadAuthz } from '../organizations';
import { rowPermits, type RowPermits } from './permits';

export const listInput = z.object({
  status: z.enum(MEMBER_STATUSES).optional(),
  search: z.string().trim().max(200).optional(),
  roleId: z.number().int().positive().optional(),
  accountId: z.number().int().positive().optional(),
  sort: z.enum(['name', 'email', 'invited_at', 'status_changed_at']).default('invited_at'),
  order: z.enum(['asc', 'desc']).default('desc'),
  cursor: z.object({ value: z.string().nullable(), id: z.number().int() }).nullish(),
  /**
   * forward: the page after `cursor` (none: the first page); backward: the page before it (none: the
   * last page), its rows in the list's order: the end of a million in one step, and scrolling up from there.
   */
  direction: z.enum(['forward', 'backward']).default('forward'),
  limit: z.number().int().min(1).max(500).default(50),
});
export type ListInput = z.infer<typeof listInput>;

export interface MemberRow {
  id: number;
  email: string;
  name: string | null;
  phone: string | null;
  status: MemberStatus;
  roles: { id: number; name: string; accountId: number }[];
  accountIds: number[];
  invitedAt: string | null;
  inviteExpiresAt: string | null;
  acceptedAt: string | null;
  statusChangedAt: string;
  /** What the signed-in admin may do to this member now (the server's own rules, guards.ts). */
  actions: string[];
  /** What the member's status allows but this admin may not do, with the reason to show. */
  refused: RowPermits['refused'];
  /** Why "Change role…" is not offered, or null. */
  rolesRefusal: string | null;
  /** The latest mail to this member (queued, sending, sent, failed with the reason), if any. */
  delivery?: Delivery | null;
  /** Send back with an edit: a save over a newer version is refused (team mode). */
  version: number;
}

/** `roles` and `accountIds` are the member's own. */
function toRow(m: Member, roles: { role_id: number; name: string; account_id: number }[], accountIds: number[], permits: RowPermits): MemberRow {
  return {
    id: m.id,
    email: m.email,
    name: m.name,
    phone: m.phone,
    status: m.status,
    roles: roles.map((r) => ({ id: r.role_id, name: r.name, accountId: r.account_id })),
    accountIds,
    invitedAt: m.invited_at,
    inviteExpiresAt: m.invite_expires_at,
    acceptedAt: m.accepted_at,
    statusChangedAt: m.status_changed_at,
    actions: permits.actions,
    refused: permits.refused,
    rolesRefusal: permits.rolesRefusal,
    version: m.version,
  };
}

export async function listMemberPage(deps: ServiceDeps, organizationId: number, actor: AdminActor, input: ListInput) {
  const authz = actor.authz;
  const scope = authz.scope('members.view');
  const backward = input.direction === 'backward';
  const query: MemberListQuery = {
    organizationId,
    status: input.status,
    search: input.search || undefined,
    roleId: input.roleId,
    accountId: input.accountId,
    scopeAccountIds: scope,
    sort: input.sort as MemberSort,
    direction: input.order,
    after: input.cursor ?? undefined,
    backward,
    limit: input.limit,
  };
  const { page, more, decorations } = await readPage(deps, organizationId, query);
  const first = page[0];
  const last = page[page.length - 1];
  // A cursor given means rows on its other side (the page was asked from a row next to it).
  const hasNext = backward ? !!input.cursor : more;
  const hasPrevious = backward ? more : !!input.cursor;
  // One Authz per distinct set of grants on the page (most rows hold the same role, or nothing): each keeps
  // the answers the row actions ask of it, so the next row with the same grants asks nothing again.
  const holders = new Map<string, Authz>();
  const holderOf = (grants: MemberDecorations['grants']): Authz => {
    const key = grants.map((g) => `${g.permission}\u0000${g.account_id}\u0000${g.role_name ?? ''}`).join('\u0001');
    let held = holders.get(key);
    if (!held) holders.set(key, (held = new Authz(grants.map((g) => ({ permission: g.permission, accountId: g.account_id, roleName: g.role_name })), authz.tree)));
    return held;
  };
  return {
    items: page.map((m): MemberRow => {
      const d = decorations.get(m.id) ?? { roles: [], accountIds: [], grants: [], delivery: null };
      const row = toRow(m, d.roles, d.accountIds, rowPermits(actor, m, d.accountIds, holderOf(d.grants)));
      row.delivery = d.delivery;
      return row;
    }),
    /** The last row's cursor when rows follow the page (ask forward from it). */
    nextCursor: hasNext && last ? { value: sortValue(last), id: last.id } : null,
    /** The first row's cursor when rows come before the page (ask backward from it). */
    prevCursor: hasPrevious && first ? { value: sortValue(first), id: first.id } : null,
  };
}

/**
 * While other calls are under way, the page is read on the read worker's page lane (SQLite files):
 * the second core answers it, and the event loop goes on with the others meanwhile. A page the lane
 * could not read because its worker stopped (a crash, the store closing) is read here instead; any
 * other error the lane's read threw stands, as it would have here.
 */
async function readPage(deps: ServiceDeps, organizationId: number, query: MemberListQuery) {
  const here = () => readMemberPage(deps.db, query, () => keptRolePermissions(deps, organizationId));
  if (!deps.reads?.pagesOffThread()) return here();
  const rolePermissions = await keptRolePermissions(deps, organizationId);
  return (await deps.reads.memberPage(query, rolePermissions)) ?? here();
}

/** Each role's permissions as kept per store generation (SQLite); else none (read with the page). */
async function keptRolePermissions(deps: ServiceDeps, organizationId: number): Promise<Map<number, string[]> | undefined> {
  if (!deps.authzGeneration) return undefined;
  return underGeneration(deps, `permissionsByRole:${organizationId}`, () => permissionsByRole(deps.db, organizationId));
}

export async function memberCounts(deps: ServiceDeps, organizationId: number, authz: Authz): Promise<Record<string, number>> {
  const counts = await countByStatus(deps.db, organizationId, authz.scope('members.view'));
  return Object.fromEntries(LISTED_STATUSES.map((s) => [s, counts[s] ?? 0]));
}

export async function memberDetail(deps: ServiceDeps, organizationId: number, actor: AdminActor, id: number) {
  const authz = actor.authz;
  const m = await findMember(deps.db, organizationId, id);
  if (!m || m.status === 'deleted') throw new DomainError('NOT_FOUND', 'This member no longer exists.');
  const scope = authz.scope('members.view');
  const [roles, accounts, permissions] = await Promise.all([rolesOfMembers(deps.db, [id]), accountsOfMembers(deps.db, [id]), permissionsOfMembers(deps.db, [id])]);
  if (scope !== 'all' && !accounts.some((a) => scope.includes(a.account_id))) throw new DomainError('NOT_FOUND', 'This member no longer exists.');
  // The signed-in admin's tree is this organization's, read with their session (and kept while nothing changed it).
  const target = await loadAuthz(deps.db, organizationId, id, authz.tree);
  const effective = [...new Set(target.grants.map((g) => g.permission))].sort().map((p) => ({ permission: p, sources: target.explain(p) }));
  const history = await listAudit(deps.db, { organizationId, targetType: 'member', targetId: id, limit: 100 });
  return {
    ...toRow(m, roles, accounts.map((a) => a.account_id), rowPermits(actor, m, accounts.map((a) => a.account_id), target)),
    permissions: permissions.map((p) => ({ permission: p.permission, accountId: p.account_id })),
    effective,
    history: history.map((h) => ({ id: h.id, action: h.action, actor: h.actor_label, at: h.at, before: h.before_json ? JSON.parse(h.before_json) : null, after: h.after_json ? JSON.parse(h.after_json) : null })),
  };
}
