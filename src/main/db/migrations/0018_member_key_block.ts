import { sql, type Kysely } from 'kysely';
import { byDialect, createRowTrigger, dropRowTrigger } from '../dialect';

// Frozen once shipped: never edit; add a new migration instead.
//
// SQLite only (PostgreSQL searches through its trigram index and planner; nothing here for it).
// member_key_block: for each block of 1,024 member ids (id >> 10), bounds of the invitation date and
// of the status date of its rows (an upper and a lower bound, and whether an invitation date is
// NULL). A search whose matches lie far down the list ordered by either date takes its page from the
// newest (or oldest) matching ids, the trigram index walked in rowid order, and keeps it when these
// bounds prove it exact: no lower id holds a later date than the page's last row, newest first, no
// higher id an earlier one, oldest first (member-search.repo.ts, idWalkCovers). Kept by triggers on
// insert and on a change of either date; a deletion or a date moved back leaves the bounds wide,
// still bounds (the search then takes its other plans). Backfilled from the members already stored.

/** The upsert's new bound: the larger (max) or smaller (min) of the block's and the row's, NULL dates left out. */
const KEEP = (col: string, op: '>' | '<') =>
  `${col} = CASE WHEN member_key_block.${col} IS NULL OR excluded.${col} ${op} member_key_block.${col} THEN coalesce(excluded.${col}, member_key_block.${col}) ELSE member_key_block.${col} END`;

const UPSERT = `INSERT INTO member_key_block (block, invited_max, invited_min, invited_null, changed_max, changed_min)
      VALUES (new.id >> 10, new.invited_at, new.invited_at, new.invited_at IS NULL, new.status_changed_at, new.status_changed_at)
      ON CONFLICT (block) DO UPDATE SET ${KEEP('invited_max', '>')}, ${KEEP('invited_min', '<')},
        invited_null = max(member_key_block.invited_null, excluded.invited_null), ${KEEP('changed_max', '>')}, ${KEEP('changed_min', '<')};`;

export async function up(db: Kysely<any>): Promise<void> {
  await byDialect(db, {
    sqlite: async () => {
      await sql`CREATE TABLE member_key_block (block integer PRIMARY KEY, invited_max text, invited_min text, invited_null integer NOT NULL, changed_max text, changed_min text)`.execute(db);
      await sql`INSERT INTO member_key_block (block, invited_max, invited_min, invited_null, changed_max, changed_min)
        SELECT id >> 10, max(invited_at), min(invited_at), max(invited_at IS NULL), max(status_changed_at), min(status_changed_at) FROM member GROUP BY id >> 10`.execute(db);
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
