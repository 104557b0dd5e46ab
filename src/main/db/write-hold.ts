import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { DomainError } from '../core/errors';

/**
 * Holds every write of this process while the directory is moved to PostgreSQL (issue 13, item 4):
 * a running app would otherwise keep writing to SQLite after the snapshot, and those changes would
 * stay behind. Installed on every store's Kysely instance (db/directory.ts): while held, an INSERT,
 * UPDATE or DELETE (console commands, the invitee pages, the mail and sync senders, the expiry
 * sweep) is refused with a typed error the console shows; reads go on.
 */
const WRITE_NODES = new Set(['InsertQueryNode', 'UpdateQueryNode', 'DeleteQueryNode', 'MergeQueryNode']);
const WRITE_SQL = /^\s*(insert|update|delete|replace|create|drop|alter)\b/i;

function isWrite(node: RootOperationNode): boolean {
  if (WRITE_NODES.has(node.kind)) return true;
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
