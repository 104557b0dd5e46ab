import { z } from 'zod';
import type { Clock } from '../core/clock';
import { DomainError } from '../core/errors';
import { httpUrl } from '../core/external-links';
import type { Db } from '../db/database';
import { insertAuditRows } from '../db/repos/audit.repo';
import { accountsForSync, countDirty, enqueueEverything, findSyncSettings, insertSyncSettings, isDirty, isGroupDirty, updateSyncSettings } from '../db/repos/sync.repo';
import { countSyncedUsers, countSyncObjectsByState, findSyncObject, findSyncObjectByLocal, listSyncObjects, makeFailedDue, updateSyncObject } from '../db/repos/sync-objects.repo';
import type { SyncLocalType, SyncObjectRow, SyncObjectState, SyncSettingsRow } from '../db/tables/sync.table';
import type { SecretBox } from '../mail/secrets';
import { auditRow } from '../services/audit';
import type { Actor } from '../services/deps';
import { ScimClient, ScimError, type ScimCapabilities } from './client';
import { planDue } from './desired';
import { foldDirty } from './fold';
import { guardTrips, removesUser, type PlannedOp } from './plan';
import type { PushResult } from './push';
import { SyncSender } from './sender';

/** The sync side of the running process: the sender and the secret box for the token. */
export interface SyncRuntime {
  sender: SyncSender;
  secrets: SecretBox;
  db: Db;
  clock: Clock;
  fetch?: typeof fetch;
}

export function createSync(opts: {
  db: Db;
  clock: Clock;
  secrets: SecretBox;
  fetch?: typeof fetch;
  pollMs?: number;
  owner?: string;
  onPush?: (org: number, r: PushResult) => void;
  /** How long a push waits for one answer (default 30 s; the bench's server takes longer on its biggest groups). */
  timeoutMs?: number;
}): SyncRuntime {
  const sender = new SyncSender({ db: opts.db, clock: opts.clock, decrypt: (s) => opts.secrets.decrypt(s), fetch: opts.fetch, owner: opts.owner, timeoutMs: opts.timeoutMs }, { pollMs: opts.pollMs, onPush: opts.onPush });
  return { sender, secrets: opts.secrets, db: opts.db, clock: opts.clock, fetch: opts.fetch };
}

/** The address without a user name or password (an address saved before they were refused may hold them). */
export function withoutCredentials(raw: string): string {
  const url = httpUrl(raw);
  if (!url || (url.username === '' && url.password === '')) return raw;
  url.username = '';
  url.password = '';
  return url.href;
}

export const syncSettingsInput = z.object({
  baseUrl: z
    .url({ protocol: /^https?$/, error: 'Enter the SCIM base URL, for example https://idp.example.org/scim/v2.' })
    .max(2000)
    // getSettings shows the address; the credentials belong with the token, which is never shown.
    .refine((u) => withoutCredentials(u) === u, 'Put the credentials in the token field, not in the address.'),
  /** Undefined keeps the stored token. */
  token: z.string().trim().min(1, 'Enter the bearer token.').max(4000).regex(/^[^\r\n]*$/, 'The token cannot contain line breaks.').optional(),
  enabled: z.boolean().default(true),
  deletionPolicy: z.enum(['deactivate', 'delete']).default('deactivate'),
  guardPercent: z.number().int().min(1).max(100).default(10),
  guardCount: z.number().int().min(1).max(1_000_000).default(200),
  maxInFlight: z.number().int().min(1, 'At least one request at a time.').max(32, 'At most 32 requests at a time.').default(4),
  dryRun: z.boolean().default(false),
});
export type SyncSettingsInput = z.input<typeof syncSettingsInput>;

/**
 * What Test connection tries: the URL and token typed in the form, not yet saved. Each left out is
 * the saved one; the saved token only with the saved URL (as a save, it never goes to another server).
 */
export const connectionTestInput = z.object({ baseUrl: syncSettingsInput.shape.baseUrl.optional(), token: syncSettingsInput.shape.token }).default({});
export type ConnectionTestInput = z.input<typeof connectionTestInput>;

export interface SyncSettingsView {
  configured: boolean;
  baseUrl: string;
  hasToken: boolean;
  enabled: boolean;
  deletionPolicy: 'deactivate' | 'delete';
  guardPercent: number;
  guardCount: number;
  maxInFlight: number;
  dryRun: boolean;
}

function view(s: SyncSettingsRow | undefined): SyncSettingsView {
  if (!s) return { configured: false, baseUrl: '', hasToken: false, enabled: true, deletionPolicy: 'deactivate', guardPercent: 10, guardCount: 200, maxInFlight: 4, dryRun: false };
  return { configured: true, baseUrl: withoutCredentials(s.base_url), hasToken: !!s.token_enc, enabled: !!s.enabled, deletionPolicy: s.deletion_policy, guardPercent: s.guard_percent, guardCount: s.guard_count, maxInFlight: s.max_in_flight, dryRun: !!s.dry_run };
}

export async function getSyncSettings(sync: SyncRuntime, organizationId: number): Promise<SyncSettingsView> {
  return view(await findSyncSettings(sync.db, organizationId));
}

/** Saves the settings; the first save queues the whole directory (the first full push). */
export async function saveSyncSettings(sync: SyncRuntime, actor: Actor, organizationId: number, raw: SyncSettingsInput): Promise<SyncSettingsView> {
  const input = syncSettingsInput.parse(raw);
  const now = sync.clock.now().toISOString();
  await sync.db.transaction().execute(async (trx) => {
    const before = await findSyncSettings(trx, organizationId);
    const urlChanged = before && before.base_url !== input.baseUrl;
    // The stored token must not follow a change of server: it would be handed to the new one.
    if (urlChanged && before.token_enc && input.token === undefined)
      throw new DomainError('VALIDATION', 'You changed the URL: enter the token again (it is never sent to another server).', { field: 'token' });
    if (!before && input.token === undefined) throw new DomainError('VALIDATION', 'Enter the bearer token.', { field: 'token' });
    const token_enc = input.token === undefined ? (before?.token_enc ?? null) : sync.secrets.encrypt(input.token);
    const values = {
      base_url: input.baseUrl,
      token_enc,
      enabled: input.enabled ? 1 : 0,
      deletion_policy: input.deletionPolicy,
      guard_percent: input.guardPercent,
      guard_count: input.guardCount,
      max_in_flight: input.maxInFlight,
      dry_run: input.dryRun ? 1 : 0,
      updated_at: now,
    };
    if (!before) {
      await insertSyncSettings(trx, { organization_id: organizationId, hold_approved: 0, ...values });
      await enqueueEverything(trx, organizationId);
    } else {
      // A new token (or server) ends a pause for a rejected token; failed objects are due again.
      const fresh = input.token !== undefined || urlChanged;
      await updateSyncSettings(trx, organizationId, { ...values, ...(fresh ? { pause_kind: null, pause_reason: null, retry_after_until: null } : {}) });
      if (fresh) await makeFailedDue(trx, organizationId, now);
    }
    const shown = (s: (Record<string, unknown> & { base_url: string }) | undefined) => (s ? { ...s, base_url: withoutCredentials(s.base_url), token_enc: undefined, hasToken: !!s.token_enc, push_owner: undefined, push_lease_until: undefined } : null);
    await insertAuditRows(trx, [auditRow(organizationId, actor, 'sync.settings.update', { type: 'organization', id: organizationId, label: input.baseUrl }, shown(before), shown({ ...values, tokenChanged: input.token !== undefined }), now)]);
  });
  // The runtime runs the sender; a save only wakes it.
  sync.sender.kick();
  return getSyncSettings(sync, organizationId);
}

export interface ConnectionReport {
  ok: boolean;
  status: number | null;
  detail: string;
  capabilities: ScimCapabilities | null;
}

/**
 * Reads /ServiceProviderConfig and one page of Users: what the server supports, and whether the
 * token works. Nothing is saved: an admin can try a server before sync pushes anything to it.
 */
export async function testSyncConnection(sync: SyncRuntime, organizationId: number, raw: ConnectionTestInput = {}): Promise<ConnectionReport> {
  const input = connectionTestInput.parse(raw);
  const s = await findSyncSettings(sync.db, organizationId);
  const baseUrl = input.baseUrl ?? s?.base_url;
  if (!baseUrl) throw new DomainError('VALIDATION', 'Enter the SCIM base URL.', { field: 'baseUrl' });
  let token = input.token;
  if (token === undefined) {
    if (!s?.token_enc) throw new DomainError('VALIDATION', 'Enter the bearer token.', { field: 'token' });
    if (s.base_url !== baseUrl) throw new DomainError('VALIDATION', 'You changed the URL: enter the token again (it is never sent to another server).', { field: 'token' });
    token = sync.secrets.decrypt(s.token_enc);
  }
  const client = new ScimClient(baseUrl, token, { fetch: sync.fetch, maxInFlight: 1, timeoutMs: 10_000 });
  try {
    const capabilities = await client.capabilities();
    await client.request('GET', '/Users?count=1');
    return { ok: true, status: 200, detail: 'Connected: the token was accepted.', capabilities };
  } catch (e) {
    if (e instanceof ScimError) return { ok: false, status: e.status, detail: e.kind === 'auth' ? `The token was rejected (${e.status}).` : e.detail, capabilities: null };
    throw e;
  }
}

export interface SyncStatus {
  configured: boolean;
  running: boolean;
  counts: { synced: number; pending: number; inFlight: number; failed: number; blocked: number; queued: number };
  paused: { kind: string; reason: string } | null;
  held: string | null;
  throttledUntil: string | null;
  lastPushAt: string | null;
  lastPushSummary: string | null;
}

export async function syncStatus(sync: SyncRuntime, organizationId: number): Promise<SyncStatus> {
  const s = await findSyncSettings(sync.db, organizationId);
  const c = await countSyncObjectsByState(sync.db, organizationId);
  const now = sync.clock.now().toISOString();
  return {
    configured: !!s,
    running: sync.sender.active.has(organizationId) || (!!s?.push_lease_until && s.push_lease_until > now),
    counts: { synced: c.synced ?? 0, pending: c.pending ?? 0, inFlight: c.in_flight ?? 0, failed: c.failed ?? 0, blocked: c.blocked ?? 0, queued: await countDirty(sync.db, organizationId) },
    paused: s?.pause_kind ? { kind: s.pause_kind, reason: s.pause_reason ?? '' } : s && !s.enabled ? { kind: 'admin', reason: 'Sync is switched off.' } : null,
    held: s?.hold_approved ? null : (s?.hold_reason ?? null),
    throttledUntil: s?.retry_after_until && s.retry_after_until > now ? s.retry_after_until : null,
    lastPushAt: s?.last_push_at ?? null,
    lastPushSummary: s?.last_push_summary ?? null,
  };
}

function objectView(o: SyncObjectRow) {
  return {
    id: o.id,
    kind: o.kind,
    localType: o.local_type,
    localId: o.local_id,
    label: o.label,
    externalId: o.external_id,
    remoteId: o.remote_id,
    state: o.state,
    status: o.status,
    scimType: o.scim_type,
    detail: o.detail,
    attempts: o.attempts,
    nextRetryAt: o.next_retry_at,
    syncedAt: o.synced_at,
  };
}
export type SyncObjectView = ReturnType<typeof objectView>;

export async function listObjects(sync: SyncRuntime, organizationId: number, q: { state?: SyncObjectState; limit: number; offset: number }): Promise<SyncObjectView[]> {
  return (await listSyncObjects(sync.db, organizationId, q)).map(objectView);
}

/**
 * One member's (role's, sub-account's) sync state, for its side panel: null when sync is not set
 * up. `queued`: a change waits to be folded into the object (it is pending even if the object says synced);
 * for a group that includes a change of one of its members, and for a sub-account one of an ancestor
 * (its path). The company account is no group (`companyAccount`).
 */
export async function objectOf(sync: SyncRuntime, organizationId: number, localType: SyncLocalType, localId: number): Promise<{ object: SyncObjectView | null; queued: boolean; companyAccount: boolean; paused: string | null } | null> {
  const s = await findSyncSettings(sync.db, organizationId);
  if (!s) return null;
  const o = await findSyncObjectByLocal(sync.db, organizationId, localType, localId);
  let queued: boolean;
  let companyAccount = false;
  if (localType === 'member') queued = await isDirty(sync.db, organizationId, localType, localId);
  else if (localType === 'role') queued = await isGroupDirty(sync.db, organizationId, 'role', localId);
  else {
    const byId = new Map((await accountsForSync(sync.db, organizationId)).map((a) => [a.id, a]));
    companyAccount = byId.get(localId)?.parent_id === null;
    const ancestors: number[] = [];
    for (let p = byId.get(localId)?.parent_id ?? null; p !== null && !ancestors.includes(p); p = byId.get(p)?.parent_id ?? null) ancestors.push(p);
    // The company account is not a group: nothing of it is queued.
    queued = !companyAccount && (await isGroupDirty(sync.db, organizationId, 'account', localId, ancestors));
  }
  return { object: o ? objectView(o) : null, queued, companyAccount, paused: s.pause_kind ? (s.pause_reason ?? 'Sync is paused.') : !s.enabled ? 'Sync is switched off.' : null };
}

/** The next push, operation by operation, with each attribute's before → after. */
export async function previewPush(sync: SyncRuntime, organizationId: number): Promise<{ ops: PlannedOp[]; removals: number; wouldHold: boolean }> {
  const s = await findSyncSettings(sync.db, organizationId);
  if (!s) return { ops: [], removals: 0, wouldHold: false };
  await foldDirty(sync.db, sync.clock, organizationId);
  const planned = await planDue(sync.db, sync.clock, s);
  const ops = planned.filter((p) => p.op !== 'none').map((p) => ({ objectId: p.obj.id, kind: p.obj.kind, label: p.user?.userName ?? p.group?.displayName ?? p.obj.label, op: p.op, changes: p.changes }));
  const removals = ops.filter(removesUser).length;
  return { ops, removals, wouldHold: guardTrips(removals, await countSyncedUsers(sync.db, organizationId), s.guard_percent, s.guard_count) };
}

export async function approveHeldPush(sync: SyncRuntime, actor: Actor, organizationId: number): Promise<{ approved: boolean }> {
  const now = sync.clock.now().toISOString();
  const s = await findSyncSettings(sync.db, organizationId);
  if (!s?.hold_reason) throw new DomainError('TRANSITION_NOT_ALLOWED', 'No push is waiting for approval.');
  await sync.db.transaction().execute(async (trx) => {
    await updateSyncSettings(trx, organizationId, { hold_approved: 1 });
    await insertAuditRows(trx, [auditRow(organizationId, actor, 'sync.approve', { type: 'organization', id: organizationId, label: s.base_url }, { held: s.hold_reason }, { approved: true }, now)]);
  });
  sync.sender.kick();
  return { approved: true };
}

/**
 * Retry: due now. Push again: write every attribute again (repairs drift). Unlink: forget the
 * remote object (the next push looks it up again). Adopt: take this remote id.
 */
export async function objectAction(sync: SyncRuntime, actor: Actor, organizationId: number, objectId: number, action: 'retry' | 'repush' | 'unlink' | 'adopt', remoteId?: string): Promise<{ state: SyncObjectState }> {
  const now = sync.clock.now().toISOString();
  const o = await findSyncObject(sync.db, organizationId, objectId);
  if (!o) throw new DomainError('NOT_FOUND', 'This object is not synced.');
  if (action === 'adopt' && !remoteId) throw new DomainError('VALIDATION', 'Enter the remote id to adopt.', { field: 'remoteId' });
  await sync.db.transaction().execute(async (trx) => {
    const base = { state: 'pending' as const, attempts: 0, next_retry_at: null, status: null, scim_type: null, detail: null, lease_until: null, updated_at: now };
    if (action === 'retry') await updateSyncObject(trx, o.id, base);
    else if (action === 'repush') await updateSyncObject(trx, o.id, { ...base, written_json: null });
    else await updateSyncObject(trx, o.id, { ...base, remote_id: action === 'adopt' ? remoteId! : null, written_json: null });
    await insertAuditRows(trx, [auditRow(organizationId, actor, `sync.${action}`, { type: o.kind, id: o.local_id, label: o.label }, { remoteId: o.remote_id, state: o.state }, { remoteId: action === 'adopt' ? remoteId : action === 'unlink' ? null : o.remote_id }, now)]);
  });
  sync.sender.kick();
  return { state: 'pending' };
}

export async function pushNow(sync: SyncRuntime, actor: Actor, organizationId: number, dryRun = false): Promise<PushResult> {
  return sync.sender.pushNow(organizationId, { actor, dryRun, force: true });
}
