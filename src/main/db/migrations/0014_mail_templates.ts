import type { Kysely } from 'kysely';
import { textType } from '../dialect';

// Frozen once shipped: never edit; add a new migration instead.
//
// Issue 15 (Mail): an organization's own wording for each mail kind (invitation, resend,
// reactivation, password_reset). No row, or `custom` = 0, means the built-in wording: "Reset to
// default" keeps the row (custom = 0) so that its version never goes back. `version` is bumped by
// every save (the repo's conditional UPDATE), so a save based on an older copy is refused (STALE)
// as for other forms. Same DDL on SQLite and PostgreSQL.

export async function up(db: Kysely<any>): Promise<void> {
  const T = textType(db);
  await db.schema
    .createTable('mail_template')
    .addColumn('organization_id', 'integer', (c) => c.notNull().references('organization.id').onDelete('cascade'))
    .addColumn('kind', T, (c) => c.notNull())
    .addColumn('subject', T, (c) => c.notNull())
    .addColumn('body', T, (c) => c.notNull())
    .addColumn('custom', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('updated_at', T, (c) => c.notNull())
    .addPrimaryKeyConstraint('mail_template_pk', ['organization_id', 'kind'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('mail_template').execute();
}
