/*
 * One push of one organization: fold the queue, plan, guard, then send users (at most N requests
 * in flight) and groups (parents first), recording each object's outcome as it comes. 401/403,
 * network failures and 429/503 stop the push at once (no hundreds of per-object failures); other
 * errors are per object. Nothing is sent twice across a crash: an object is marked in flight before
 * it is sent, and a create always looks before it creates.
 * (A little over 300 lines: the steps of one push share its counters, outcome batches, stop and
 * lease as closures of pushLeased; split apart they would pass all of them around.)
 */
import type { Clock } from '../core/clock';
import type { Db } from '../db/database';
import { insertAuditRows } from '../db/repos/audit.repo';
import { claimPushLease, countDirty, findSyncSettings, releasePushLease, updateSyncSettings } from '../db/repos/sync.repo';
import { countSyncedUsers, dueSyncObjects, hasDueSyncObjects, markSyncObjectsSynced, syncObjectsOfKind, unblockGroups, updateSyncObject, updateSyncObjects, type SyncedWrite } from '../db/repos/sync-objects.repo';
import type { SyncObjectUpdate, SyncSettingsRow } from '../db/tables/sync.table';
import { auditRow } from '../services/audit';
import { SYSTEM_ACTOR, type Actor } from '../services/deps';
import { ScimClient, ScimError, type ScimCapabilities } from './client';
import { parseWritten, planGroups, planUsers, type PlannedObject } from './desired';
import { foldDirty } from './fold';
import type { GroupAttrs, UserAttrs } from './mapping';
import { backoffWithJitterMs, guardTrips, removesUser } from './plan';
import { runInOrder } from './pool';
import { BlockedError, sendGroup, sendUser } from './wire';

export interface PushContext {
  db: Db;
  clock: Clock;
  /** Who this process is, for the push lease. */
  owner: string;
  decrypt(stored: string): string;
  fetch?: typeof fetch;
  /** How long to wait for one answer (default 30 s). */
  timeoutMs?: number;
}

export type PushOutcome = 'done' | 'nothing' | 'held' | 'paused' | 'throttled' | 'disabled' | 'busy' | 'dry_run';

export interface PushResult {
  outcome: PushOutcome;
  created: number;
  updated: number;
  deactivated: number;
  deleted: number;
  failed: number;
  blocked: number;
  reads: number;
  writes: number;
  /** A reason when paused, held or throttled. */
  reason?: string;
  /** Requests in flight during the push: the most at once (never above the setting) and the time-weighted average while any was out. */
  inFlight?: { peak: number; average: number };
}

export const TOKEN_REJECTED = 'The token was rejected by the SCIM server: enter a new token to resume.';
const LEASE_MS = 5 * 60_000;
/** Outcomes kept in memory before they are committed: at most this many, or this long. */
const FLUSH_AT = 500;
const FLUSH_MS = 3_000;
/** Objects marked in flight at a time, just ahead of the requests (one UPDATE each). */
const MARK_CHUNK = 500;

function empty(outcome: PushOutcome, reason?: string): PushResult {
  return { outcome, created: 0, updated: 0, deactivated: 0, deleted: 0, failed: 0, blocked: 0, reads: 0, writes: 0, reason };
}

export function clientFor(ctx: PushContext, s: SyncSettingsRow): ScimClient {
  return new ScimClient(s.base_url, ctx.decrypt(s.token_enc!), { maxInFlight: s.max_in_flight, fetch: ctx.fetch, now: () => ctx.clock.now(), timeoutMs: ctx.timeoutMs });
}

/** Runs one push for the organization unless another one (any process) is running. */
export async function pushOrganization(ctx: PushContext, organizationId: number, opts: { dryRun?: boolean; actor?: Actor; /** Contact the server even with nothing to send (Push now). */ force?: boolean } = {}): Promise<PushResult> {
  const now = () => ctx.clock.now();
  const s0 = await findSyncSettings(ctx.db, organizationId);
  if (!s0 || !s0.enabled || !s0.token_enc) return empty('disabled');
  if (s0.pause_kind === 'token' || s0.pause_kind === 'admin') return empty('paused', s0.pause_reason ?? undefined);
  if (s0.retry_after_until && s0.retry_after_until > now().toISOString()) return empty('throttled', `The server asked to wait until ${s0.retry_after_until}.`);
  // The background poll stays off the wire while there is nothing to send (a network pause still probes).
  if (!opts.force && s0.pause_kind !== 'network' && !s0.hold_approved && (await countDirty(ctx.db, organizationId)) === 0 && !(await hasDueSyncObjects(ctx.db, organizationId, now().toISOString())))
    return empty('nothing');
  const leaseUntil = new Date(now().getTime() + LEASE_MS).toISOString();
  if (!(await claimPushLease(ctx.db, organizationId, ctx.owner, now().toISOString(), leaseUntil))) return empty('busy');
  const clients: ScimClient[] = [];
  try {
    return await pushLeased(ctx, organizationId, opts.dryRun || !!s0.dry_run, opts.actor ?? SYSTEM_ACTOR, !!opts.force, clients);
  } finally {
    for (const c of clients) c.close();
    await releasePushLease(ctx.db, organizationId, ctx.owner);
  }
}

async function pushLeased(ctx: PushContext, org: number, dryRun: boolean, actor: Actor, force: boolean, clients: ScimClient[]): Promise<PushResult> {
  const { db, clock } = ctx;
  const iso = () => clock.now().toISOString();
  await foldDirty(db, clock, org);
  const s = (await findSyncSettings(db, org))!;
  const due = await dueSyncObjects(db, org, iso());
  const dueGroups = due.filter((o) => o.kind === 'group');
  const userPlan = await planUsers(db, s, due.filter((o) => o.kind === 'user'));
  const result = empty('done');
  const client = clientFor(ctx, s);
  clients.push(client);
  const counted = () => ({ ...result, inFlight: client.inFlight, reads: client.sent.GET ?? 0, writes: (client.sent.POST ?? 0) + (client.sent.PUT ?? 0) + (client.sent.PATCH ?? 0) + (client.sent.DELETE ?? 0) });

  // The server's capabilities; reading them also tells whether it is reachable and takes the token.
  const probe = async (): Promise<ScimCapabilities | PushResult> => {
    try {
      const caps = await client.capabilities();
      // Reachable again: a pause for the network ends by itself.
      if (s.pause_kind === 'network') await updateSyncSettings(db, org, { pause_kind: null, pause_reason: null });
      return caps;
    } catch (e) {
      const stopped = await stopFor(ctx, s, e, null);
      return { ...(stopped ?? empty('nothing', `The ServiceProviderConfig could not be read: ${(e as Error).message}`)), reads: 1 };
    }
  };
  /** What needs sending; those with nothing to send are up to date (synced). */
  const toSend = async (planned: PlannedObject[]): Promise<PlannedObject[]> => {
    for (const p of planned) if (p.op === 'none' && p.obj.state !== 'synced') await updateSyncObject(db, p.obj.id, { state: 'synced', status: null, scim_type: null, detail: null, attempts: 0, next_retry_at: null, lease_until: null, synced_at: p.obj.synced_at ?? iso(), updated_at: iso() });
    return planned.filter((p) => p.op !== 'none');
  };
  const users = await toSend(userPlan);
  const planTheGroups = async () => toSend(await planGroups(db, s, dueGroups));
  // The groups are planned while the first users are on the wire (the guard counts users only);
  // up front when there is no user to send, or for a dry run.
  let groupsPlanned = users.length === 0 || dryRun ? await planTheGroups() : null;
  if (users.length === 0 && groupsPlanned!.length === 0) {
    const probed = force || s.pause_kind === 'network' ? await probe() : null;
    return probed && 'outcome' in probed ? probed : { ...counted(), outcome: 'nothing' };
  }

  const removals = users.filter((p) => removesUser({ objectId: p.obj.id, kind: p.obj.kind, label: p.obj.label, op: p.op, changes: p.changes })).length;
  if (!s.hold_approved && guardTrips(removals, await countSyncedUsers(db, org), s.guard_percent, s.guard_count)) {
    const reason = `This push would deactivate or delete ${removals} users: it waits for an admin's approval.`;
    await updateSyncSettings(db, org, { hold_reason: reason });
    return { ...counted(), outcome: 'held', reason };
  }

  const probed = await probe();
  if ('outcome' in probed) return probed;
  const caps = probed;

  if (dryRun) {
    // Reads only: the lookups a create would make.
    for (const p of [...users, ...groupsPlanned!]) {
      if (p.op !== 'create') continue;
      try {
        if (p.user) await client.findOne('Users', 'userName', p.user.userName);
        else if (p.group) await client.findOne('Groups', 'displayName', p.group.displayName);
      } catch (e) {
        const stopped = await stopFor(ctx, s, e, null);
        if (stopped) return { ...counted(), ...pick(stopped) };
      }
    }
    return { ...counted(), outcome: 'dry_run' };
  }

  let stop = null as PushResult | null;
  // Outcomes are committed in batches: one transaction (one fsync) and, for the synced ones, one
  // UPDATE per 200 objects, at most every FLUSH_MS or FLUSH_AT outcomes. A batch is written behind
  // the requests (no worker waits for a commit before its next request); batches are written one
  // after the other. An object whose outcome is lost in a crash stays in flight and is looked up
  // again, never created twice.
  let synced: SyncedWrite[] = [];
  let others: { id: number; set: SyncObjectUpdate }[] = [];
  let lastFlush = Date.now();
  let writing: Promise<void> = Promise.resolve();
  let writeError: unknown = null;
  const flush = (): Promise<void> => {
    lastFlush = Date.now();
    if (synced.length === 0 && others.length === 0) return writing;
    const [s1, o1] = [synced, others];
    synced = [];
    others = [];
    writing = writing.then(() =>
      db
        .transaction()
        .execute(async (trx) => {
          await markSyncObjectsSynced(trx, s1, iso());
          for (const w of o1) await updateSyncObject(trx, w.id, w.set);
        })
        .catch((e: unknown) => void (writeError ??= e)),
    );
    return writing;
  };
  /** Waits for every outcome to be written; a store failure fails the push (as before, when it was awaited). */
  const flushed = async () => {
    await flush();
    if (writeError) throw writeError;
  };
  const record = (w: SyncedWrite | { id: number; set: SyncObjectUpdate }) => {
    if ('set' in w) others.push({ id: w.id, set: { ...w.set, updated_at: iso() } });
    else synced.push(w);
    if (synced.length + others.length >= FLUSH_AT || Date.now() - lastFlush >= FLUSH_MS) void flush();
  };
  const started = new Set<number>();
  // An object is marked in flight before it is sent: 500 at a time, the next 500 marked while the
  // requests of these go out (no wait for 10,000 rows before the first request). Each chunk also
  // renews the push lease, so a push longer than LEASE_MS stays the only one; if another process
  // took it over meanwhile, this push stops and leaves the rest to it.
  const markInFlight = async (items: PlannedObject[]) => {
    const until = new Date(clock.now().getTime() + LEASE_MS).toISOString();
    if (!(await claimPushLease(db, org, ctx.owner, iso(), until))) stop ??= empty('busy', 'Another Roster process took over this push.');
    else await updateSyncObjects(db, items.map((p) => p.obj.id), { state: 'in_flight', lease_until: until, updated_at: iso() });
  };

  const runOne = async (p: PlannedObject, send: () => Promise<{ remoteId: string | null; written: unknown }>) => {
    if (stop) return;
    started.add(p.obj.id);
    try {
      const w = await send();
      record({ id: p.obj.id, remote_id: w.remoteId, written_json: w.written === null ? null : JSON.stringify(w.written) });
      if (p.op === 'create') result.created++;
      else if (p.op === 'delete') result.deleted++;
      else if (p.op === 'deactivate' || removesUser({ objectId: 0, kind: p.obj.kind, label: '', op: p.op, changes: p.changes })) result.deactivated++;
      else result.updated++;
    } catch (e) {
      if (e instanceof BlockedError) {
        result.blocked++;
        record({ id: p.obj.id, set: { state: 'blocked', detail: e.message, lease_until: null } });
        return;
      }
      const stopped = await stopFor(ctx, s, e, p);
      if (stopped) {
        stop ??= stopped;
        return;
      }
      result.failed++;
    }
  };

  const pool = (items: PlannedObject[], fn: (p: PlannedObject) => Promise<void>) => runInOrder(items, { limit: s.max_in_flight, chunk: MARK_CHUNK, mark: markInFlight, stopped: () => !!stop }, fn);

  const sending = pool(users, (p) => runOne(p, () => sendUser(client, caps, p.op, p.obj.remote_id, parseWritten<UserAttrs>(p.obj), p.user ?? null)));
  // Planned once the first user requests are out (setImmediate: after this turn's sends).
  const planning = groupsPlanned ? Promise.resolve(groupsPlanned) : new Promise((r) => setImmediate(r)).then(planTheGroups);
  const [sent, plannedGroups] = await Promise.allSettled([sending, planning]);
  if (sent.status === 'rejected') throw sent.reason;
  if (plannedGroups.status === 'rejected') throw plannedGroups.reason;
  groupsPlanned = plannedGroups.value;
  const work = [...users, ...groupsPlanned];
  // The groups read the users' remote ids from the store: every user outcome is written first.
  await flushed();
  if (!stop) {
    await unblockGroups(db, org, iso());
    const groups = groupsPlanned;
    const memberIds = [...new Set(groups.flatMap((p) => [...(p.group?.members ?? []), ...(parseWritten<GroupAttrs>(p.obj)?.members ?? [])]))];
    const remoteOf = new Map((await syncObjectsOfKind(db, org, 'user', memberIds)).map((o) => [o.local_id, o.remote_id]));
    // Parent groups before their children: one depth at a time.
    for (const depth of [...new Set(groups.map((g) => g.depth))].sort((a, b) => a - b)) {
      if (stop) break;
      await pool(
        groups.filter((g) => g.depth === depth),
        (p) => runOne(p, () => sendGroup(client, caps, p.op, p.obj.remote_id, parseWritten<GroupAttrs>(p.obj), p.group ?? null, remoteOf)),
      );
    }
  }
  await flushed();
  // Stopped early: what was never started is pending again, not in flight.
  const notStarted = work.filter((p) => !started.has(p.obj.id)).map((p) => p.obj.id);
  if (stop && stop.outcome !== 'busy' && notStarted.length) await updateSyncObjects(db, notStarted, { state: 'pending', lease_until: null, updated_at: iso() });
  const final: PushResult = stop ? { ...counted(), ...pick(stop) } : counted();
  const summary = `${final.created} created, ${final.updated} updated, ${final.deactivated} deactivated, ${final.deleted} deleted, ${final.failed} failed, ${final.blocked} blocked`;
  await updateSyncSettings(db, org, { last_push_at: iso(), last_push_summary: stop ? `${summary}; stopped: ${stop.reason}` : summary, ...(stop ? {} : { hold_reason: null, hold_approved: 0 }) });
  await insertAuditRows(db, [auditRow(org, actor, 'sync.push', { type: 'organization', id: org, label: s.base_url }, null, { outcome: final.outcome, summary, writes: final.writes }, iso())]);
  return final;
}

function pick(r: PushResult): Pick<PushResult, 'outcome' | 'reason'> {
  return { outcome: r.outcome, reason: r.reason };
}

/**
 * Failures that stop the whole push (and say why); returns null for a per-object failure, which
 * it records on the object.
 */
async function stopFor(ctx: PushContext, s: SyncSettingsRow, e: unknown, p: PlannedObject | null): Promise<PushResult | null> {
  const { db, clock } = ctx;
  const org = s.organization_id;
  const iso = clock.now().toISOString();
  const back = (set: SyncObjectUpdate) => (p ? updateSyncObject(db, p.obj.id, { ...set, updated_at: iso }) : Promise.resolve());
  if (!(e instanceof ScimError)) {
    await back({ state: 'failed', status: null, scim_type: null, detail: String((e as Error)?.message ?? e).slice(0, 500), attempts: (p?.obj.attempts ?? 0) + 1, next_retry_at: null, lease_until: null });
    return null;
  }
  if (e.kind === 'auth') {
    await back({ state: 'pending', lease_until: null });
    await updateSyncSettings(db, org, { pause_kind: 'token', pause_reason: TOKEN_REJECTED });
    return empty('paused', TOKEN_REJECTED);
  }
  if (e.kind === 'network') {
    await back({ state: 'pending', lease_until: null });
    const reason = `${e.detail} Roster tries again by itself.`;
    await updateSyncSettings(db, org, { pause_kind: 'network', pause_reason: reason });
    return empty('paused', reason);
  }
  const attempts = (p?.obj.attempts ?? 0) + 1;
  if (e.kind === 'throttled') {
    const wait = e.retryAfterMs ?? backoffWithJitterMs(attempts);
    const until = new Date(clock.now().getTime() + wait).toISOString();
    await back({ state: 'failed', status: e.status, scim_type: e.scimType, detail: e.detail, attempts, next_retry_at: until, lease_until: null });
    await updateSyncSettings(db, org, { retry_after_until: until });
    return empty('throttled', `The server answered ${e.status}: waiting until ${until}.`);
  }
  const next = e.kind === 'server' ? new Date(clock.now().getTime() + backoffWithJitterMs(attempts)).toISOString() : null;
  await back({ state: 'failed', status: e.status, scim_type: e.scimType, detail: e.detail, attempts, next_retry_at: next, lease_until: null });
  return null;
}
