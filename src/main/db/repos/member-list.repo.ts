/*
 * One page of the Members list with what each row shows beside it (a few statements: the page, then
 * its rows' decorations): the same function on the main thread and on the read worker's page lane
 * (workers/read-runner.ts), so both give the same rows.
 */
import type { DbOrTx } from '../database';
import { decorationsOf, type MemberDecorations } from './member-decorations.repo';
import { listMembers, type DecoratedRow, type MemberListQuery } from './members.repo';

export interface MemberPageRead {
  /** The page's rows in the list's order, at most `limit`. */
  page: DecoratedRow[];
  /** Rows follow the page that way (after it forward, before it backward). */
  more: boolean;
  decorations: Map<number, MemberDecorations>;
}

/**
 * `query.limit` is the page's size; one row more is read to say whether more follow. Roles,
 * sub-accounts, permissions and latest mail of the page's rows: on PostgreSQL they came with the page
 * (one statement); SQLite reads them next (one statement of flat rows, cheaper there than JSON building), each
 * role's permissions from `rolePermissions` when given (a copy kept while no role changed).
 */
export async function readMemberPage(
  db: DbOrTx,
  query: MemberListQuery,
  rolePermissions?: () => Promise<ReadonlyMap<number, readonly string[]> | undefined>,
): Promise<MemberPageRead> {
  const rows = await listMembers(db, { ...query, limit: query.limit + 1 }, { decorate: true });
  const more = rows.length > query.limit;
  // Backward, the extra row is the first: the page is the rows nearest the cursor.
  const page = query.backward ? rows.slice(rows.length - Math.min(rows.length, query.limit)) : rows.slice(0, query.limit);
  const decorations = page.every((m) => m.decorations)
    ? new Map(page.map((m) => [m.id, m.decorations!]))
    : await decorationsOf(db, page.map((m) => m.id), page.length ? await rolePermissions?.() : undefined);
  return { page, more, decorations };
}

/** A connection's first statement reads the schema: done ahead of the first page on a fresh connection. */
export async function readSchemaAhead(db: DbOrTx): Promise<void> {
  await db.selectFrom('member').select('id').limit(1).execute();
}
