import { sql, type Kysely } from 'kysely';
import { createRowTrigger, dropRowTrigger } from '../dialect';

// Frozen once shipped: never edit; add a new migration instead.
//
// Team mode: several admins save on one database. Members, roles, accounts and organization
// settings carry a version that every update bumps (a trigger, so no write path can forget it);
// a save based on a stale copy is refused instead of silently overwriting the other admin's change.

const TABLES = ['member', 'role', 'account', 'organization'];

export async function up(db: Kysely<any>): Promise<void> {
  for (const t of TABLES) {
    await db.schema.alterTable(t).addColumn('version', 'integer', (c) => c.notNull().defaultTo(1)).execute();
    // The inner update leaves old.version <> new.version, so the trigger does not fire again for it.
    await createRowTrigger(db, {
      name: `${t}_version_bump`,
      table: t,
      event: 'UPDATE',
      when: 'old.version = new.version',
      body: `UPDATE ${t} SET version = ${t}.version + 1 WHERE id = new.id;`,
    });
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of TABLES) {
    await dropRowTrigger(db, `${t}_version_bump`, t);
    await sql.raw(`ALTER TABLE ${t} DROP COLUMN version`).execute(db);
  }
}
