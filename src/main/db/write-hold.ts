import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { DomainError } from '../core/errors';
import { tableOf, WRITE_NODES, WRITE_SQL } from './query-kind';

/**
 * Holds every write of this process while the directory is moved to PostgreSQL (issue 13, item 4):
 * a running app would otherwise keep writing to SQLite after the snapshot, and those changes would
 * stay behind. Installed on every store's Kysely instance (db/directory.ts): while held, an INSERT,
 * UPDATE or DELETE (console commands, the invitee pages, the mail and sync senders, the expiry
 * sweep) is refused with a typed error the console shows; reads go on.
 */

/**
 * Sessions and the guess limiter's counters are not part of the directory being moved (the new store
 * starts without them: everyone signs in again after the restart), and refusing them would sign every
 * admin out and break sign-in while the move runs and until the restart.
 */
const PASSING_TABLES = new Set(['console_session', 'guess_counter']);

function writtenTable(node: RootOperationNode): string | null {
  if (node.kind === 'InsertQueryNode') return tableOf(node.into);
  if (node.kind === 'UpdateQueryNode') return tableOf(node.table);
  if (node.kind === 'DeleteQueryNode') return node.from.froms.length === 1 ? tableOf(node.from.froms[0]) : null;
  return null;
}

function isWrite(node: RootOperationNode): boolean {
  if (WRITE_NODES.has(node.kind)) return !PASSING_TABLES.has(writtenTable(node) ?? '');
  if (node.kind === 'RawNode') return WRITE_SQL.test(node.sqlFragments[0] ?? '');
  return false;
}

export class WriteHold implements KyselyPlugin {
  private reason: string | null = null;

  /** Refuses writes from now on, with this sentence (what is happening, what to do). */
  engage(reason: string): void {
    this.reason = reason;
  }

  release(): void {
    this.reason = null;
  }

  get held(): string | null {
    return this.reason;
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (this.reason !== null && isWrite(args.node)) throw new DomainError('STORE_UNAVAILABLE', this.reason);
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}
