import type { GroupAttrs, UserAttrs } from './mapping';

/**
 * The next push, decided from what was last written and what Roster holds now (pure). Several
 * changes to one object fold into one operation because only the end state is compared; users go
 * before groups (a user exists before it joins), parent groups before their children.
 */

export type OpKind = 'create' | 'update' | 'deactivate' | 'delete' | 'none';

export interface AttributeChange {
  attribute: string;
  before: unknown;
  after: unknown;
}

export interface PlannedOp {
  objectId: number;
  kind: 'user' | 'group';
  label: string;
  op: OpKind;
  changes: AttributeChange[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Attribute by attribute, what differs between the last-written copy and the wanted one. */
export function diffAttributes(before: Record<string, unknown> | null, after: Record<string, unknown> | null): AttributeChange[] {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  const out: AttributeChange[] = [];
  for (const k of keys) {
    const b = before?.[k] ?? null;
    const a = after?.[k] ?? null;
    if (!same(b, a)) out.push({ attribute: k, before: b, after: a });
  }
  return out;
}

export function userOp(opts: { remoteId: string | null; written: UserAttrs | null; wanted: UserAttrs | null; gone: boolean; policy: 'deactivate' | 'delete' }): { op: OpKind; changes: AttributeChange[] } {
  const { remoteId, written, wanted } = opts;
  if (wanted) {
    if (!remoteId) return { op: 'create', changes: diffAttributes(null, wanted as unknown as Record<string, unknown>) };
    const changes = diffAttributes(written as unknown as Record<string, unknown>, wanted as unknown as Record<string, unknown>);
    return { op: changes.length ? 'update' : 'none', changes };
  }
  if (!remoteId) return { op: 'none', changes: [] };
  if (opts.gone && opts.policy === 'delete') return { op: 'delete', changes: diffAttributes(written as unknown as Record<string, unknown>, null) };
  if (written?.active === false) return { op: 'none', changes: [] };
  return { op: 'deactivate', changes: [{ attribute: 'active', before: written?.active ?? true, after: false }] };
}

export function groupOp(opts: { remoteId: string | null; written: GroupAttrs | null; wanted: GroupAttrs | null }): { op: OpKind; changes: AttributeChange[] } {
  const { remoteId, written, wanted } = opts;
  if (!wanted) return remoteId ? { op: 'delete', changes: [{ attribute: 'displayName', before: written?.displayName ?? null, after: null }] } : { op: 'none', changes: [] };
  if (!remoteId) return { op: 'create', changes: diffAttributes(null, wanted as unknown as Record<string, unknown>) };
  const changes = diffAttributes(written as unknown as Record<string, unknown>, { ...wanted, members: [...wanted.members].sort((a, b) => a - b) });
  return { op: changes.length ? 'update' : 'none', changes };
}

/** Members to add and to remove, from the last-written list to the wanted one. */
export function memberDelta<T>(before: T[], after: T[]): { add: T[]; remove: T[] } {
  const b = new Set(before);
  const a = new Set(after);
  return { add: after.filter((m) => !b.has(m)), remove: before.filter((m) => !a.has(m)) };
}

/** Does this operation take a user away (counted by the mass-change guard)? */
export function removesUser(p: PlannedOp): boolean {
  if (p.kind !== 'user') return false;
  if (p.op === 'deactivate' || p.op === 'delete') return true;
  return p.op === 'update' && p.changes.some((c) => c.attribute === 'active' && c.before === true && c.after === false);
}

/**
 * The guard: a push that would deactivate or delete more than `percent`% of the synced users, or
 * more than `count`, waits for an admin. One user alone is never held.
 */
export function guardTrips(removals: number, syncedUsers: number, percent: number, count: number): boolean {
  if (removals > count) return true;
  return removals > 1 && removals * 100 > percent * Math.max(syncedUsers, 1);
}

export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += Math.max(1, size)) out.push(items.slice(i, i + Math.max(1, size)));
  return out;
}

/** Exponential backoff with full jitter after the n-th failure: up to 2^n s, at most 15 min. */
export function backoffWithJitterMs(attempts: number, random: () => number = Math.random): number {
  const cap = Math.min(1000 * 2 ** Math.max(0, attempts), 15 * 60_000);
  return Math.round(cap / 2 + (random() * cap) / 2);
}

/** The longest a server's Retry-After holds the sync back: a server asking for years waits an hour, then is asked again. */
export const RETRY_AFTER_MAX_MS = 60 * 60_000;

/** Retry-After: seconds or an HTTP date, at most RETRY_AFTER_MAX_MS; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now: Date): number | null {
  if (!header) return null;
  const s = Number(header);
  if (Number.isFinite(s) && s >= 0) return Math.min(s * 1000, RETRY_AFTER_MAX_MS);
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.min(Math.max(0, at - now.getTime()), RETRY_AFTER_MAX_MS);
}
