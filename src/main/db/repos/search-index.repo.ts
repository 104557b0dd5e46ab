/*
 * The SQLite search index's upkeep (the FTS5 trigram table member_search, migration 0004). Every
 * write transaction that touches members adds a segment to it; FTS5's automerge leaves many, and a
 * search looks each trigram up in every one (db/search-tidy.ts gives the figures). SQLite only: PostgreSQL's GIN index needs no such thing.
 */
import { sql } from 'kysely';
import type { Db } from '../database';

/** The structure record (segments, levels, ongoing merge) is row 10 of member_search_data. */
const STRUCTURE_ROW = 10;
/** A structure record of FTS5's second format starts, after its 4-byte cookie, with this. */
const STRUCTURE_V2 = [0xff, 0x00, 0x00, 0x01];

/** An SQLite varint (big-endian 7-bit groups, the ninth byte whole), as FTS5 writes them. */
function readVarint(b: Uint8Array, at: number): [value: number, next: number] {
  let v = 0;
  for (let i = 0; i < 8; i++) {
    const c = b[at + i] ?? 0;
    v = v * 128 + (c & 0x7f);
    if (!(c & 0x80)) return [v, at + i + 1];
  }
  return [v * 256 + (b[at + 8] ?? 0), at + 9];
}

/**
 * How many segments the search index has now (one after a tidy; a few more after each write), read
 * from its structure record: one row by primary key, cheap enough for a timer.
 */
export async function searchIndexSegments(db: Db): Promise<number> {
  const r = await sql<{ block: Uint8Array | null }>`SELECT block FROM member_search_data WHERE id = ${STRUCTURE_ROW}`.execute(db);
  const block = r.rows[0]?.block;
  if (!block || block.length < 4) return 0;
  let at = 4;
  if (STRUCTURE_V2.every((byte, i) => block[4 + i] === byte)) at += 4;
  const [, afterLevels] = readVarint(block, at);
  return readVarint(block, afterLevels)[0];
}

/**
 * One step of merging the search index's segments into one, as its own short write transaction:
 * FTS5's 'merge' command writing about `pages` leaf pages (32: mostly 2–5 ms, at most ~17 ms,
 * at 100,000 members). `start` (a negative count) puts every
 * segment into one merge; the steps after it (positive) carry that merge on, and merge no other
 * level unless it holds FTS5's usermerge (4) segments, so writes made meanwhile do not restart it
 * and the tidy ends. Whether it merged anything: per the FTS5 documentation, the connection's
 * total_changes() moves by fewer than 2 when there was nothing to do.
 */
export async function mergeSearchIndexStep(db: Db, pages: number, start: boolean): Promise<boolean> {
  return db.connection().execute(async (c) => {
    const total = async () => (await sql<{ n: number }>`SELECT total_changes() AS n`.execute(c)).rows[0]?.n ?? 0;
    const before = await total();
    await sql`INSERT INTO member_search (member_search, rank) VALUES ('merge', ${start ? -pages : pages})`.execute(c);
    return (await total()) - before >= 2;
  });
}

/** FTS5's own check of the search index against the member table: throws (SQLITE_CORRUPT_VTAB) when they differ. */
export async function checkSearchIndex(db: Db): Promise<void> {
  await sql`INSERT INTO member_search (member_search) VALUES ('integrity-check')`.execute(db);
}
