import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/** One sign-in per person across organizations: the email (normalized) and the password hash. */
export interface PersonTable {
  id: Generated<number>;
  email: string;
  password_hash: string | null;
  created_at: string;
  updated_at: string;
}
export type Person = Selectable<PersonTable>;
export type NewPerson = Insertable<PersonTable>;
export type PersonUpdate = Updateable<PersonTable>;
