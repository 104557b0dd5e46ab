import type { DbOrTx } from '../database';
import type { Person } from '../tables/person.table';

export async function findPersonByEmail(db: DbOrTx, emailNormalized: string): Promise<Person | undefined> {
  return db.selectFrom('person').selectAll().where('email', '=', emailNormalized).executeTakeFirst();
}

export async function findPerson(db: DbOrTx, id: number): Promise<Person | undefined> {
  return db.selectFrom('person').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Returns the person with this address, creating it (without a password) if needed. */
export async function ensurePerson(db: DbOrTx, emailNormalized: string, now: string): Promise<Person> {
  const existing = await findPersonByEmail(db, emailNormalized);
  if (existing) return existing;
  return db
    .insertInto('person')
    .values({ email: emailNormalized, password_hash: null, created_at: now, updated_at: now })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function setPasswordHash(db: DbOrTx, personId: number, hash: string, now: string): Promise<void> {
  await db.updateTable('person').set({ password_hash: hash, updated_at: now }).where('id', '=', personId).execute();
}

export async function anyPersonWithPassword(db: DbOrTx): Promise<boolean> {
  const r = await db.selectFrom('person').select('id').where('password_hash', 'is not', null).limit(1).executeTakeFirst();
  return r !== undefined;
}
