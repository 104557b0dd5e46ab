import { z } from 'zod';
import { CONSOLE_PERMISSIONS, MODULE_KEY_PATTERN, PERMISSION_LABELS, moduleKey, permissionLabel } from '../../shared/permissions';
import type { Authz } from '../core/authz';
import { DomainError } from '../core/errors';
import { ungrantable } from '../core/grants';
import type { DbOrTx } from '../db/database';
import { insertAuditRows } from '../db/repos/audit.repo';
import { deleteModule, insertModule, listModules, membersHoldingPermission, deleteMemberPermissionEverywhere } from '../db/repos/modules.repo';
import {
  claimRoleVersion,
  countRoleHolders,
  deleteRole as deleteRoleRows,
  holderWithAnyOf,
  grantPermissionToRoles,
  insertRole,
  listRoles,
  memberHoldsRole,
  renameRole as renameRoleRow,
  replaceRolePermissions,
  roleMemberCounts,
  roleHolders,
  rolePermissions,
  setRoleDescription,
  takePermissionFromRoles,
} from '../db/repos/roles.repo';
import type { Role } from '../db/tables/role.table';
import { auditRow } from './audit';
import type { ServiceDeps } from './deps';
import type { AdminActor } from './actor';
import { staleSave } from './stale';
import { assertKnownPermissions, permissionName } from './grant-rules';

export const roleName = z.string().trim().min(1, 'Give the role a name.').max(100, 'Role names are at most 100 characters.');
export const roleDescription = z.string().trim().max(500, 'Descriptions are at most 500 characters.');

export const permissionList = z.array(permissionName).max(500);
export const moduleInput = z.object({
  key: z
    .string()
    .trim()
    .toLowerCase()
    .min(1, 'Give the module a key.')
    .max(60)
    .regex(MODULE_KEY_PATTERN, 'Module keys use letters, digits and dashes, e.g. "reports".'),
  name: z.string().trim().min(1, 'Give the module a name.').max(100),
  adminOnly: z.boolean().default(false),
});

/** Every permission the organization knows: the console's and its product modules'. */
export async function permissionCatalog(db: DbOrTx, organizationId: number) {
  const modules = await listModules(db, organizationId);
  return {
    console: CONSOLE_PERMISSIONS.map((key) => ({ key, label: PERMISSION_LABELS[key] })),
    modules: modules.map((m) => ({ key: moduleKey(m.key), label: m.name, adminOnly: m.admin_only === 1 })),
  };
}

export async function rolesWithPermissions(db: DbOrTx, organizationId: number) {
  const roles = await listRoles(db, organizationId);
  const perms = await rolePermissions(db, roles.map((r) => r.id));
  // Counters kept by triggers (migration 0008): one row per role, whatever the number of members.
  const usageByRole = new Map((await roleMemberCounts(db, organizationId)).map((u) => [u.role_id, Number(u.n)]));
  return roles.map((r) => ({
    id: r.id,
    name: r.name,
    builtin: r.builtin,
    description: r.description,
    permissions: perms.filter((p) => p.role_id === r.id).map((p) => p.permission),
    /** Send back with a rename or a matrix save: a save over a newer version is refused (team mode). */
    version: r.version,
    members: usageByRole.get(r.id) ?? 0,
  }));
}

/** Roles are the organization's: only someone managing roles org-wide edits them. */
function assertOrgWide(actor: AdminActor): void {
  if (!actor.authz.can('roles.manage')) throw new DomainError('FORBIDDEN', 'Roles apply to the whole organization: only someone who manages roles for the company account can change them.');
}

async function requireRole(db: DbOrTx, organizationId: number, id: number): Promise<Role> {
  const role = (await listRoles(db, organizationId)).find((r) => r.id === id);
  if (!role) throw new DomainError('NOT_FOUND', 'This role no longer exists: reload the page.');
  return role;
}

async function assertNameFree(db: DbOrTx, organizationId: number, name: string, exceptId?: number): Promise<void> {
  const taken = (await listRoles(db, organizationId)).some((r) => r.id !== exceptId && r.name.toLowerCase() === name.toLowerCase());
  if (taken) throw new DomainError('VALIDATION', `A role named "${name}" already exists.`, { field: 'name' });
}

function assertGrantable(actor: AdminActor, before: string[], after: string[]): void {
  const bad = ungrantable(actor.authz, before, after);
  if (bad.length) throw new DomainError('MORE_PRIVILEGED', `You cannot give or take away permissions you do not hold yourself: ${bad.map((p) => `"${permissionLabel(p)}"`).join(', ')}.`);
}

/**
 * Nobody acts on someone with more privilege (PRODUCT.md): changing a role's permissions changes
 * every holder's, so a role held by someone with a console permission the admin lacks is theirs to
 * leave alone (a Team Admin with "manage roles" cannot strip the Admin role of what Admins do).
 */
async function assertNoHolderOutranks(db: DbOrTx, actor: AdminActor, role: Role): Promise<void> {
  const lacking = CONSOLE_PERMISSIONS.filter((p) => !actor.authz.can(p));
  const holder = await holderWithAnyOf(db, role.id, lacking);
  if (!holder) return;
  const others = holder.total - 1;
  throw new DomainError(
    'MORE_PRIVILEGED',
    `${role.name} is held by ${holder.email}${others > 0 ? ` and ${others} other${others === 1 ? '' : 's'}` : ''} with more privilege than you: changing it would act on them. Ask an admin who holds at least what they hold.`,
  );
}

/** Nobody changes their own permissions: editing a role they hold would. */
async function assertNotOwnRole(db: DbOrTx, actor: AdminActor, role: Role): Promise<void> {
  if (await memberHoldsRole(db, actor.memberId, role.id)) throw new DomainError('SELF_ACTION', `You hold the role ${role.name}: changing it would change your own permissions. Ask another admin.`);
}

function command<T>(deps: ServiceDeps, actor: AdminActor, run: (trx: DbOrTx, now: string) => Promise<T>): Promise<T> {
  assertOrgWide(actor);
  const now = deps.clock.now().toISOString();
  return deps.db.transaction().execute((trx) => run(trx, now));
}

const roleTarget = (r: { id: number; name: string }) => ({ type: 'role', id: r.id, label: r.name });

export function createRole(deps: ServiceDeps, actor: AdminActor, organizationId: number, input: { name: string; permissions: string[] }) {
  return command(deps, actor, async (trx, now) => {
    await assertNameFree(trx, organizationId, input.name);
    const permissions = [...new Set(input.permissions)];
    await assertKnownPermissions(trx, organizationId, permissions);
    assertGrantable(actor, [], permissions);
    const role = await insertRole(trx, { organization_id: organizationId, name: input.name, builtin: null, created_at: now }, permissions);
    await insertAuditRows(trx, [auditRow(organizationId, actor, 'role.create', roleTarget(role), null, { name: role.name, permissions }, now)]);
    return { id: role.id, name: role.name };
  });
}

/** With the version the admin's copy was read at, a save over another admin's newer one is refused. */
async function claimVersion(trx: DbOrTx, role: Role, version: number | undefined): Promise<void> {
  if (version === undefined) return;
  if (role.version !== version || !(await claimRoleVersion(trx, role.id, version))) throw await staleSave(trx, 'role', role.id);
}

export function renameRole(deps: ServiceDeps, actor: AdminActor, organizationId: number, input: { id: number; name: string; version?: number }) {
  return command(deps, actor, async (trx, now) => {
    const role = await requireRole(trx, organizationId, input.id);
    await claimVersion(trx, role, input.version);
    if (role.builtin) throw new DomainError('VALIDATION', `${role.name} is a built-in role: its name cannot change. Copy it to make your own.`);
    await assertNameFree(trx, organizationId, input.name, role.id);
    await renameRoleRow(trx, role.id, input.name);
    await insertAuditRows(trx, [auditRow(organizationId, actor, 'role.rename', roleTarget(role), { name: role.name }, { name: input.name }, now)]);
    return { id: role.id, name: input.name };
  });
}

/** Anyone who edits roles may say what one is for, built-in roles included (it changes no permission). */
export function describeRole(deps: ServiceDeps, actor: AdminActor, organizationId: number, input: { id: number; description: string; version?: number }) {
  return command(deps, actor, async (trx, now) => {
    const role = await requireRole(trx, organizationId, input.id);
    await claimVersion(trx, role, input.version);
    if (role.description === input.description) return { id: role.id, description: role.description };
    await setRoleDescription(trx, role.id, input.description);
    await insertAuditRows(trx, [auditRow(organizationId, actor, 'role.describe', roleTarget(role), { description: role.description }, { description: input.description }, now)]);
    return { id: role.id, description: input.description };
  });
}

const HOLDERS_SHOWN = 200;

/**
 * Who holds a role, and where (the company account or a sub-account, as a path): only the grants
 * at accounts where the admin may view members. The first 200, with the total.
 */
export async function roleMembers(db: DbOrTx, authz: Authz, organizationId: number, roleId: number) {
  await requireRole(db, organizationId, roleId);
  const scope = authz.scope('members.view');
  const { rows, total } = await roleHolders(db, roleId, scope, HOLDERS_SHOWN);
  const root = authz.tree.root.id;
  return {
    total,
    members: rows.map((r) => ({
      memberId: r.member_id,
      name: r.name,
      email: r.email,
      status: r.status,
      accountId: r.account_id,
      /** "Organization-wide" at the company account, else the sub-account's path ("Acme / France"). */
      where: r.account_id === root ? 'Organization-wide' : authz.tree.path(r.account_id),
      orgWide: r.account_id === root,
    })),
  };
}

export function copyRole(deps: ServiceDeps, actor: AdminActor, organizationId: number, input: { id: number; name: string }) {
  return command(deps, actor, async (trx, now) => {
    const source = await requireRole(trx, organizationId, input.id);
    await assertNameFree(trx, organizationId, input.name);
    const permissions = (await rolePermissions(trx, [source.id])).map((p) => p.permission);
    assertGrantable(actor, [], permissions);
    const role = await insertRole(trx, { organization_id: organizationId, name: input.name, builtin: null, created_at: now }, permissions);
    await insertAuditRows(trx, [auditRow(organizationId, actor, 'role.copy', roleTarget(role), null, { name: role.name, copiedFrom: source.name, permissions }, now)]);
    return { id: role.id, name: role.name };
  });
}

export function deleteRole(deps: ServiceDeps, actor: AdminActor, organizationId: number, id: number) {
  return command(deps, actor, async (trx, now) => {
    const role = await requireRole(trx, organizationId, id);
    if (role.builtin) throw new DomainError('VALIDATION', `${role.name} is a built-in role: it cannot be deleted.`);
    const users = await countRoleHolders(trx, id);
    if (users > 0) throw new DomainError('IN_USE', `${role.name} is held by ${users} member${users === 1 ? '' : 's'}: give them another role first.`);
    const permissions = (await rolePermissions(trx, [id])).map((p) => p.permission);
    // Deleting takes its permissions away as a save of the matrix would: only those the admin holds.
    assertGrantable(actor, permissions, []);
    await deleteRoleRows(trx, id);
    await insertAuditRows(trx, [auditRow(organizationId, actor, 'role.delete', roleTarget(role), { name: role.name, permissions }, null, now)]);
    return { id };
  });
}

export const matrixInput = z.object({
  roles: z.array(z.object({ id: z.number().int().positive(), permissions: permissionList, version: z.number().int().positive().optional() })).min(1).max(200),
});

/** Saves the matrix at once: every changed role in one transaction, one audit row per role. */
export function setRolePermissions(deps: ServiceDeps, actor: AdminActor, organizationId: number, input: z.infer<typeof matrixInput>) {
  return command(deps, actor, async (trx, now) => {
    let changed = 0;
    for (const r of input.roles) {
      const role = await requireRole(trx, organizationId, r.id);
      await claimVersion(trx, role, r.version);
      const before = (await rolePermissions(trx, [role.id])).map((p) => p.permission).sort();
      const after = [...new Set(r.permissions)].sort();
      if (before.join('\n') === after.join('\n')) continue;
      if (role.builtin === 'owner') throw new DomainError('VALIDATION', 'The Owner role always holds every permission: it cannot be changed.');
      await assertKnownPermissions(trx, organizationId, after);
      assertGrantable(actor, before, after);
      await assertNotOwnRole(trx, actor, role);
      await assertNoHolderOutranks(trx, actor, role);
      await replaceRolePermissions(trx, role.id, after);
      await insertAuditRows(trx, [auditRow(organizationId, actor, 'role.permissions', roleTarget(role), { permissions: before }, { permissions: after }, now)]);
      changed++;
    }
    return { changed };
  });
}

/** A new product module: the Owner and Admin roles hold it; the Member role too unless it is admin-only. */
export function addModule(deps: ServiceDeps, actor: AdminActor, organizationId: number, input: z.infer<typeof moduleInput>) {
  return command(deps, actor, async (trx, now) => {
    const exists = (await listModules(trx, organizationId)).some((m) => m.key === input.key);
    if (exists) throw new DomainError('VALIDATION', `A module with the key "${input.key}" already exists.`, { field: 'key' });
    const mod = await insertModule(trx, { organization_id: organizationId, key: input.key, name: input.name, admin_only: input.adminOnly ? 1 : 0 });
    const holders = (await listRoles(trx, organizationId)).filter((r) => r.builtin === 'owner' || r.builtin === 'admin' || (r.builtin === 'member' && !input.adminOnly));
    await grantPermissionToRoles(trx, holders.map((r) => r.id), moduleKey(mod.key));
    await insertAuditRows(trx, [auditRow(organizationId, actor, 'module.add', { type: 'module', id: mod.id, label: mod.name }, null, { key: mod.key, name: mod.name, adminOnly: input.adminOnly }, now)]);
    return { key: moduleKey(mod.key), name: mod.name };
  });
}

export function removeModule(deps: ServiceDeps, actor: AdminActor, organizationId: number, key: string) {
  return command(deps, actor, async (trx, now) => {
    const bare = key.replace(/^module:/, '');
    const mod = (await listModules(trx, organizationId)).find((m) => m.key === bare);
    if (!mod) throw new DomainError('NOT_FOUND', 'This module no longer exists: reload the page.');
    const perm = moduleKey(mod.key);
    // Removing a module takes it from everyone: only someone who holds it org-wide may.
    if (!actor.authz.can(perm)) throw new DomainError('MORE_PRIVILEGED', `You cannot remove "${mod.name}": you do not hold it yourself.`);
    const roles = await listRoles(trx, organizationId);
    const holders = await takePermissionFromRoles(trx, roles.map((r) => r.id), perm);
    const direct = await membersHoldingPermission(trx, organizationId, perm);
    await deleteMemberPermissionEverywhere(trx, organizationId, perm);
    await deleteModule(trx, mod.id);
    await insertAuditRows(trx, [
      auditRow(organizationId, actor, 'module.remove', { type: 'module', id: mod.id, label: mod.name }, { key: mod.key, name: mod.name, roles: holders.map((roleId) => roles.find((r) => r.id === roleId)?.name) }, null, now),
      ...direct.map((m) => auditRow(organizationId, actor, 'member.access', { type: 'member', id: m.id, label: m.email }, { permission: perm }, null, now)),
    ]);
    return { key: perm };
  });
}

