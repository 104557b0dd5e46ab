import type { Kysely } from 'kysely';
import { autoIdColumn, textType } from '../dialect';

// Frozen: never edit a migration that has shipped; add a new one instead. (Team mode's one exception:
// it learned to branch on the dialect through db/dialect.ts; on SQLite it makes exactly the schema it
// always made, pinned by test/unit/db/sqlite-schema.test.ts.)

export async function up(db: Kysely<any>): Promise<void> {
  const T = textType(db);
  await db.schema.alterTable('organization').addColumn('sms_webhook_url', T).execute();
  await db.schema
    .createTable('phone_code')
    .addColumn('id', ...autoIdColumn(db))
    .addColumn('member_id', 'integer', (c) => c.notNull().references('member.id').onDelete('cascade'))
    .addColumn('phone', T, (c) => c.notNull())
    .addColumn('code_hash', T, (c) => c.notNull())
    .addColumn('created_at', T, (c) => c.notNull())
    .addColumn('expires_at', T, (c) => c.notNull())
    .addColumn('used_at', T)
    .execute();
  await db.schema.createIndex('phone_code_by_member').on('phone_code').columns(['member_id', 'id']).execute();
  // Failures are counted per member, across codes: asking for a new code does not reset them.
  await db.schema
    .createTable('phone_attempt')
    .addColumn('member_id', 'integer', (c) => c.primaryKey().references('member.id').onDelete('cascade'))
    .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // Settings of this install rather than of one organization (where the invitee pages listen).
  await db.schema
    .createTable('install_setting')
    .addColumn('key', T, (c) => c.primaryKey())
    .addColumn('value', T, (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('install_setting').execute();
  await db.schema.dropTable('phone_attempt').execute();
  await db.schema.dropTable('phone_code').execute();
  await db.schema.alterTable('organization').dropColumn('sms_webhook_url').execute();
}
