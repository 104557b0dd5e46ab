import { sql, type Kysely } from 'kysely';
import { changed, createRowTrigger, dialectOf, dropRowTrigger } from '../dialect';

// Frozen: never edit a migration that has shipped; add a new one instead. (Team mode's one exception:
// on PostgreSQL the triggers are made through createRowTrigger; SQLite is unchanged, pinned by
// test/unit/db/sqlite-schema.test.ts.)

/**
 * Per-status member counts kept by triggers, so the status tabs cost a few rows to read instead
 * of a scan of a million members.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('member_count')
    .addColumn('organization_id', 'integer', (c) => c.notNull().references('organization.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('n', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('member_count_pk', ['organization_id', 'status'])
    .execute();
  await sql`INSERT INTO member_count (organization_id, status, n) SELECT organization_id, status, count(*) FROM member GROUP BY organization_id, status`.execute(db);
  if (dialectOf(db) === 'postgres') {
    const add = `INSERT INTO member_count (organization_id, status, n) VALUES (new.organization_id, new.status, 1)
      ON CONFLICT (organization_id, status) DO UPDATE SET n = member_count.n + 1;`;
    const sub = 'UPDATE member_count SET n = n - 1 WHERE organization_id = old.organization_id AND status = old.status;';
    await createRowTrigger(db, { name: 'member_count_insert', table: 'member', event: 'INSERT', body: add });
    await createRowTrigger(db, { name: 'member_count_delete', table: 'member', event: 'DELETE', body: sub });
    await createRowTrigger(db, { name: 'member_count_status', table: 'member', event: 'UPDATE OF status', when: changed('status'), body: `${sub} ${add}` });
    return;
  }
  await sql`CREATE TRIGGER member_count_insert AFTER INSERT ON member BEGIN
    INSERT INTO member_count (organization_id, status, n) VALUES (new.organization_id, new.status, 1)
      ON CONFLICT (organization_id, status) DO UPDATE SET n = n + 1;
  END`.execute(db);
  await sql`CREATE TRIGGER member_count_delete AFTER DELETE ON member BEGIN
    UPDATE member_count SET n = n - 1 WHERE organization_id = old.organization_id AND status = old.status;
  END`.execute(db);
  await sql`CREATE TRIGGER member_count_status AFTER UPDATE OF status ON member WHEN old.status IS NOT new.status BEGIN
    UPDATE member_count SET n = n - 1 WHERE organization_id = old.organization_id AND status = old.status;
    INSERT INTO member_count (organization_id, status, n) VALUES (new.organization_id, new.status, 1)
      ON CONFLICT (organization_id, status) DO UPDATE SET n = n + 1;
  END`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (dialectOf(db) === 'postgres') {
    for (const t of ['member_count_insert', 'member_count_delete', 'member_count_status']) await dropRowTrigger(db, t, 'member');
    await db.schema.dropTable('member_count').execute();
    return;
  }
  for (const t of ['member_count_insert', 'member_count_delete', 'member_count_status']) await sql`DROP TRIGGER ${sql.ref(t)}`.execute(db);
  await db.schema.dropTable('member_count').execute();
}
