import type { DbOrTx } from '../database';
import type { NewOrganization, Organization, OrganizationUpdate } from '../tables/organization.table';

export async function insertOrganization(db: DbOrTx, row: NewOrganization): Promise<Organization> {
  return db.insertInto('organization').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findOrganization(db: DbOrTx, id: number): Promise<Organization | undefined> {
  return db.selectFrom('organization').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function updateOrganization(db: DbOrTx, id: number, patch: OrganizationUpdate): Promise<Organization> {
  return db.updateTable('organization').set(patch).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

/** Takes the version an admin's copy of the settings was read at; false when another save got there first (team mode). */
export async function claimOrganizationVersion(db: DbOrTx, id: number, version: number): Promise<boolean> {
  const r = await db.updateTable('organization').set((eb) => ({ version: eb('version', '+', 1) })).where('id', '=', id).where('version', '=', version).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function countOrganizations(db: DbOrTx): Promise<number> {
  const r = await db.selectFrom('organization').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function listOrganizations(db: DbOrTx, ids: number[]): Promise<Organization[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('organization').selectAll().where('id', 'in', ids).orderBy('name').execute();
}

/** The organization registered first on this install (its Owners decide install-wide settings). */
export async function firstOrganizationId(db: DbOrTx): Promise<number | undefined> {
  const first = await db.selectFrom('organization').select('id').orderBy('id').executeTakeFirst();
  return first?.id;
}
