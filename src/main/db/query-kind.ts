import type { RootOperationNode } from 'kysely';

/**
 * What a compiled query does, read from Kysely's operation tree: the write hold (write-hold.ts), the
 * main connection's batch gate (batch-gate.ts) and the authorization watch (authz-watch.ts) ask the
 * same questions of it.
 */
export const WRITE_NODES: ReadonlySet<RootOperationNode['kind']> = new Set(['InsertQueryNode', 'UpdateQueryNode', 'DeleteQueryNode', 'MergeQueryNode']);
/** SQL text that starts as a write does (raw statements, schema changes). */
export const WRITE_SQL = /^\s*(insert|update|delete|replace|create|drop|alter)\b/i;

/** The table a table node (or an aliased one) names; null for anything else. */
export function tableOf(node: unknown): string | null {
  const n = node as { kind?: string; table?: { identifier?: { name?: string } }; node?: unknown } | undefined;
  if (n?.kind === 'TableNode') return n.table?.identifier?.name ?? null;
  if (n?.kind === 'AliasNode') return tableOf(n.node);
  return null;
}
