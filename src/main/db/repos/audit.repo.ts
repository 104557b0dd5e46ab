import { sql } from 'kysely';
import type { DbOrTx } from '../database';
import { likeOperator } from '../dialect';
import type { AuditRow, NewAuditRow } from '../tables/audit.table';
import { insertCompiledOnce } from './util';

export async function insertAuditRows(db: DbOrTx, rows: NewAuditRow[]): Promise<void> {
  await insertCompiledOnce(db, rows, 11, (part) => db.insertInto('audit').values(part));
}

export interface AuditQuery {
  organizationId: number;
  targetType?: string;
  targetId?: number;
  action?: string;
  actor?: string;
  search?: string;
  /** Fragment of the target's label (an address, a role's name). */
  target?: string;
  /** ISO instants: from inclusive, to exclusive. */
  from?: string;
  to?: string;
  beforeId?: number;
  limit: number;
}

export async function listAudit(db: DbOrTx, q: AuditQuery): Promise<AuditRow[]> {
  let query = db.selectFrom('audit').selectAll().where('organization_id', '=', q.organizationId);
  if (q.targetType) query = query.where('target_type', '=', q.targetType);
  if (q.targetId !== undefined) query = query.where('target_id', '=', q.targetId);
  if (q.action) query = query.where('action', '=', q.action);
  // Case-insensitive on both stores (LIKE on SQLite, ILIKE on PostgreSQL); % and _ typed by the admin match themselves.
  const like = sql.raw(likeOperator(db));
  const matches = (column: 'actor_label' | 'target_label' | 'action', pattern: string) => sql<boolean>`${sql.ref(column)} ${like} ${pattern} escape '\\'`;
  if (q.actor) query = query.where(matches('actor_label', `%${escapeLike(q.actor)}%`));
  if (q.target) query = query.where(matches('target_label', `%${escapeLike(q.target)}%`));
  if (q.from) query = query.where('at', '>=', q.from);
  if (q.to) query = query.where('at', '<', q.to);
  if (q.search) {
    const s = `%${escapeLike(q.search)}%`;
    query = query.where((eb) => eb.or([matches('target_label', s), matches('actor_label', s), matches('action', s)]));
  }
  if (q.beforeId !== undefined) query = query.where('id', '<', q.beforeId);
  return query.orderBy('id', 'desc').limit(q.limit).execute();
}

/** LIKE patterns built from user text: `%` and `_` match themselves (SQLite's default escape is none, so we use `\`). */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The latest audit entry about one target: who changed it last, and when. */
export async function lastChangeOf(db: DbOrTx, targetType: string, targetId: number): Promise<{ actor_label: string; at: string } | undefined> {
  return db
    .selectFrom('audit')
    .select(['actor_label', 'at'])
    .where('target_type', '=', targetType)
    .where('target_id', '=', targetId)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}
