import { z } from 'zod';
import {
  accountList,
  createAccount,
  createAccountInput,
  deleteAccount,
  deleteAccountInput,
  moveAccount,
  moveAccountInput,
  renameAccount,
  renameAccountInput,
} from '../../services/accounts';
import { accessInput, setMemberAccess } from '../../services/access';
import { roleGrantRefusal } from '../../services/members/permits';
import {
  addModule,
  copyRole,
  createRole,
  deleteRole,
  describeRole,
  matrixInput,
  moduleInput,
  permissionCatalog,
  permissionList,
  removeModule,
  renameRole,
  roleDescription,
  roleMembers,
  roleName,
  rolesWithPermissions,
  setRolePermissions,
} from '../../services/roles';
import { adminProcedure, router } from '../trpc';

const id = z.number().int().positive();

/**
 * Roles, the permission matrix, product modules, sub-accounts and a member's access. Each
 * procedure declares its permission; each service checks the account it acts in.
 */
export const rolesRouter = router({
  /** Each role says whether the signed-in admin may hand it out at the company account, and if not why (grants.ts's rule). */
  list: adminProcedure('signedIn').query(async ({ ctx }) =>
    (await rolesWithPermissions(ctx.services.deps.db, ctx.signedIn.organizationId)).map((r) => ({ ...r, grantRefusal: roleGrantRefusal(ctx.signedIn.authz, r) })),
  ),
  /** Each permission says where the signed-in admin holds it ('all' or account ids): only there may they grant it (grants.ts). */
  catalog: adminProcedure('signedIn').query(async ({ ctx }) => {
    const c = await permissionCatalog(ctx.services.deps.db, ctx.signedIn.organizationId);
    const heldAt = (key: string) => ctx.signedIn.authz.scope(key);
    return { console: c.console.map((p) => ({ ...p, heldAt: heldAt(p.key) })), modules: c.modules.map((p) => ({ ...p, heldAt: heldAt(p.key) })) };
  }),
  create: adminProcedure('roles.manage')
    .input(z.object({ name: roleName, permissions: permissionList.default([]) }))
    .mutation(({ ctx, input }) => createRole(ctx.services.deps, ctx.signedIn.actor, ctx.signedIn.organizationId, input)),
  rename: adminProcedure('roles.manage')
    .input(z.object({ id, name: roleName, version: z.number().int().positive().optional() }))
    .mutation(({ ctx, input }) => renameRole(ctx.services.deps, ctx.signedIn.actor, ctx.signedIn.organizationId, input)),
  /** What a role is for; built-in roles included. With the version read, a stale save is refused (team mode). */
  describe: adminProcedure('roles.manage')
    .input(z.object({ id, description: roleDescription, version: z.number().int().positive().optional() }))
    .mutation(({ ctx, input }) => describeRole(ctx.services.deps, ctx.signedIn.actor, ctx.signedIn.organizationId, input)),
  /** Who holds a role and where; the service keeps to the accounts where the admin views members. */
  members: adminProcedure('members.view')
    .input(z.object({ id }))
    .query(({ ctx, input }) => roleMembers(ctx.services.deps.db, ctx.signedIn.authz, ctx.signedIn.organizationId, input.id)),
  copy: adminProcedure('roles.manage')
    .input(z.object({ id, name: roleName }))
    .mutation(({ ctx, input }) => copyRole(ctx.services.deps, ctx.signedIn.actor, ctx.signedIn.organizationId, input)),
  delete: adminProcedure('roles.manage')
    .input(z.object({ id }))
    .mutation(({ ctx, input }) => deleteRole(ctx.services.deps, ctx.signedIn.actor, ctx.signedIn.organizationId, input.id)),
  /** The matrix, saved at once. */
  setPermissions: adminProcedure('roles.manage')
    .input(matrixInput)
    .mutation(({ ctx, input }) => setRolePermissions(ctx.services.deps, ctx.signedIn.actor, ctx.signedIn.organizationId, input)),
});

export const modulesRouter = router({
  add: adminProcedure('roles.manage')
    .input(moduleInput)
    .mutation(({ ctx, input }) => addModule(ctx.services.deps, ctx.signedIn.actor, ctx.signedIn.organizationId, input)),
  remove: adminProcedure('roles.manage')
    .input(z.object({ key: z.string().min(1).max(100) }))
    .mutation(({ ctx, input }) => removeModule(ctx.services.deps, ctx.signedIn.actor, ctx.signedIn.organizationId, input.key)),
});

export const accountsRouter = router({
  list: adminProcedure('signedIn').query(({ ctx }) => accountList(ctx.services.deps.db, ctx.signedIn.organizationId)),
  create: adminProcedure('accounts.manage')
    .input(createAccountInput)
    .mutation(({ ctx, input }) => createAccount(ctx.services.deps, ctx.signedIn.actor, ctx.signedIn.organizationId, input)),
  rename: adminProcedure('accounts.manage')
    .input(renameAccountInput)
    .mutation(({ ctx, input }) => renameAccount(ctx.services.deps, ctx.signedIn.actor, ctx.signedIn.organizationId, input)),
  move: adminProcedure('accounts.manage')
    .input(moveAccountInput)
    .mutation(({ ctx, input }) => moveAccount(ctx.services.deps, ctx.signedIn.actor, ctx.signedIn.organizationId, input)),
  delete: adminProcedure('accounts.manage')
    .input(deleteAccountInput)
    .mutation(({ ctx, input }) => deleteAccount(ctx.services.deps, ctx.signedIn.actor, ctx.signedIn.organizationId, input)),
});

/** Merged into the members router: a member's roles at accounts, single permissions and sub-account access. */
export const memberAccessProcedures = {
  setAccess: adminProcedure('members.edit')
    .input(accessInput)
    .mutation(({ ctx, input }) => setMemberAccess(ctx.services.deps, ctx.signedIn.actor, ctx.signedIn.organizationId, input)),
};
