import type { CompiledQuery, RootOperationNode } from 'kysely';
import type SQLite from 'better-sqlite3';
import { tableOf } from './query-kind';

/**
 * What the caller's session and authorization are read from (sessions.repo.ts findSessionWithAuthz):
 * a write to any of these may change what a cached copy says. Kept beside that query's tables.
 */
const AUTHZ_TABLES = new Set(['console_session', 'organization', 'member', 'member_role', 'role', 'role_permission', 'member_permission', 'account']);
/**
 * Member columns the query reads for the session's member (a rename or a phone change leaves the copy
 * true), and the validity end the earliest-expiry memo reads (services/members/expiry.ts).
 */
const MEMBER_AUTHZ_COLUMNS = new Set(['status', 'person_id', 'organization_id', 'id', 'invite_expires_at']);
/** A session's activity moves often and the copy is updated with it (services/sessions.ts). */
const SESSION_QUIET_COLUMNS = new Set(['last_seen_at']);

function columnsSet(node: { updates?: readonly { column?: { column?: { name?: string } } }[] }): string[] | null {
  const names = (node.updates ?? []).map((u) => u.column?.column?.name);
  return names.every((n): n is string => typeof n === 'string') ? names : null;
}

/** Whether a write may change a session's cached authorization (unknown shapes count as yes). */
export function touchesAuthz(query: Pick<CompiledQuery, 'query' | 'sql'>): boolean {
  const node = query.query as RootOperationNode & Record<string, unknown>;
  switch (node.kind) {
    case 'InsertQueryNode': {
      const table = tableOf(node.into);
      return table === null || AUTHZ_TABLES.has(table);
    }
    case 'DeleteQueryNode': {
      const froms = (node.from as { froms?: readonly unknown[] } | undefined)?.froms ?? [];
      return froms.length !== 1 || AUTHZ_TABLES.has(tableOf(froms[0]) ?? '') || tableOf(froms[0]) === null;
    }
    case 'UpdateQueryNode': {
      const table = tableOf(node.table);
      if (table === null) return true;
      if (!AUTHZ_TABLES.has(table)) return false;
      const columns = columnsSet(node as Parameters<typeof columnsSet>[0]);
      if (columns === null) return true;
      if (table === 'member') return columns.some((c) => MEMBER_AUTHZ_COLUMNS.has(c));
      if (table === 'console_session') return columns.some((c) => !SESSION_QUIET_COLUMNS.has(c));
      return true;
    }
    default:
      // Raw SQL and anything else that writes: assume it does.
      return true;
  }
}

/**
 * A generation for cached authorizations on the SQLite file: it moves when this thread writes
 * what they are read from (seen by the driver, db/batch-gate.ts), when another connection commits
 * (the worker thread's batches and imports, or any other process: SQLite's data_version), and when
 * a restore swaps the connection. A copy is used only under the generation taken before it was
 * read: a write that lands between the two leaves the copy filed under an old generation, unused.
 * (A write inside a transaction counts when it runs; no read on this connection can come between
 * it and its commit, the transaction holds the connection.)
 */
export class AuthzWatch {
  private writes = 0;
  private connection: SQLite.Database | null = null;
  private epoch = 0;

  constructor(private readonly current: () => SQLite.Database) {}

  saw(query: Pick<CompiledQuery, 'query' | 'sql'>): void {
    if (touchesAuthz(query)) this.writes++;
  }

  /** PRAGMA data_version prepared once per connection: db.pragma() prepares anew on every call (2.6 % of a loaded server's CPU). */
  private dataVersion: SQLite.Statement | null = null;

  generation(): string {
    const db = this.current();
    if (db !== this.connection || !this.dataVersion) {
      this.connection = db;
      this.epoch++;
      this.dataVersion = db.prepare('PRAGMA data_version').pluck();
    }
    return `${this.epoch}:${this.writes}:${this.dataVersion.get() as number}`;
  }
}
