import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one instead.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('organization').addColumn('sms_webhook_url', 'text').execute();
  await db.schema
    .createTable('phone_code')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('member_id', 'integer', (c) => c.notNull().references('member.id').onDelete('cascade'))
    .addColumn('phone', 'text', (c) => c.notNull())
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
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
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('install_setting').execute();
  await db.schema.dropTable('phone_attempt').execute();
  await db.schema.dropTable('phone_code').execute();
  await db.schema.alterTable('organization').dropColumn('sms_webhook_url').execute();
}
