import { sql, type Kysely } from 'kysely';
import { byDialect, createRowTrigger, dropRowTrigger } from '../dialect';

// Frozen once shipped: never edit; add a new migration instead.
//
// SQLite only (PostgreSQL searches through its trigram index and planner; nothing here for it).
// member_key_block: for each block of 1,024 member ids (id >> 10), an upper bound of the invitation
// date and of the status date of its rows. A search whose matches lie far down the newest-first
// order takes its page from the newest matching ids (the trigram index walked in rowid order) and
// proves it exact by this bound: no older id holds a later date than the page's last row
// (member-search.repo.ts, newestIdsPage). Kept by triggers on insert and on a change of either date;
// a deletion or a date moved back leaves the bound high, which is still an upper bound (the search
// then takes its other plans). Backfilled from the members already stored.

const BLOCK = (into: string) =>
  `CASE WHEN member_key_block.${into} IS NULL OR excluded.${into} > member_key_block.${into} THEN coalesce(excluded.${into}, member_key_block.${into}) ELSE member_key_block.${into} END`;

const UPSERT = `INSERT INTO member_key_block (block, invited_max, changed_max) VALUES (new.id >> 10, new.invited_at, new.status_changed_at)
      ON CONFLICT (block) DO UPDATE SET invited_max = ${BLOCK('invited_max')}, changed_max = ${BLOCK('changed_max')};`;

export async function up(db: Kysely<any>): Promise<void> {
  await byDialect(db, {
    sqlite: async () => {
      await sql`CREATE TABLE member_key_block (block integer PRIMARY KEY, invited_max text, changed_max text)`.execute(db);
      await sql`INSERT INTO member_key_block (block, invited_max, changed_max) SELECT id >> 10, max(invited_at), max(status_changed_at) FROM member GROUP BY id >> 10`.execute(db);
      await createRowTrigger(db, { name: 'member_key_block_insert', table: 'member', event: 'INSERT', body: UPSERT });
      await createRowTrigger(db, { name: 'member_key_block_update', table: 'member', event: 'UPDATE OF invited_at, status_changed_at', body: UPSERT });
    },
    postgres: async () => {},
  });
}

export async function down(db: Kysely<any>): Promise<void> {
  await byDialect(db, {
    sqlite: async () => {
      await dropRowTrigger(db, 'member_key_block_update', 'member');
      await dropRowTrigger(db, 'member_key_block_insert', 'member');
      await sql`DROP TABLE IF EXISTS member_key_block`.execute(db);
    },
    postgres: async () => {},
  });
}
