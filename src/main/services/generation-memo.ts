import type { ServiceDeps } from './deps';

/** Per services instance: each memo's value with the store generation it was read under. */
const memos = new WeakMap<ServiceDeps, Map<string, { generation: string; value: unknown }>>();

/**
 * `load()`'s answer, read again only when the store's generation moved (db/authz-watch.ts: a write
 * to members' status or validity, roles, permissions, accounts or sessions, here or in another
 * connection). For what nearly every request asks and almost never changes. Where nothing may be
 * cached (PostgreSQL: other processes write unseen) it is read every time. Inside a transaction,
 * only before its first write: after a write that is then rolled back, the answer (which never
 * committed) would stay filed under the generation still in force.
 */
export async function underGeneration<T>(deps: ServiceDeps, key: string, load: () => Promise<T>): Promise<T> {
  // Taken before the read: a write landing between the two files the answer under an old generation.
  const generation = deps.authzGeneration?.();
  if (generation === undefined) return load();
  let byKey = memos.get(deps);
  if (!byKey) memos.set(deps, (byKey = new Map()));
  const memo = byKey.get(key);
  if (memo && memo.generation === generation) return memo.value as T;
  const value = await load();
  byKey.set(key, { generation, value });
  return value;
}
