import type { Kysely } from 'kysely';

// Frozen once shipped: never edit; add a new migration instead.
//
// Each role says what it is for (issue 15: "a description and the list of members holding it").
// The column exists since 0001 (NOT NULL, default ''); this fills in the built-in roles of existing
// organizations, leaving any description an admin already wrote. New organizations get the same
// text from shared/permissions.ts (BUILTIN_ROLE_DESCRIPTIONS); the wording is copied here on purpose,
// so that later changes to it do not rewrite what this migration did. Plain UPDATEs: the same SQL
// on SQLite and PostgreSQL. The update bumps each role's version (trigger of 0011), as any save does.

const DESCRIPTIONS: Record<string, string> = {
  owner: 'Holds every permission, deleting the organization included. Only an Owner can make someone else an Owner.',
  admin: 'Runs the admin console: members, roles, sub-accounts, settings, mail, audit and sync. Cannot delete the organization.',
  member: 'Uses the product modules that are not admin-only. No access to the admin console.',
};

export async function up(db: Kysely<any>): Promise<void> {
  for (const [builtin, description] of Object.entries(DESCRIPTIONS))
    await db.updateTable('role').set({ description }).where('builtin', '=', builtin).where('description', '=', '').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [builtin, description] of Object.entries(DESCRIPTIONS))
    await db.updateTable('role').set({ description: '' }).where('builtin', '=', builtin).where('description', '=', description).execute();
}
