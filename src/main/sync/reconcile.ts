import { DomainError } from '../core/errors';
import { findSyncSettings } from '../db/repos/sync.repo';
import { syncObjectsOfKind } from '../db/repos/sync-objects.repo';
import { ScimClient, ScimError } from './client';
import { parseWritten } from './desired';
import type { GroupAttrs, UserAttrs } from './mapping';
import type { SyncRuntime } from './service';

/**
 * A read-only pull (paged GET /Users and /Groups) compared with what Roster last wrote: users
 * only on the server, objects only in Roster, and drifted ones (attributes or group members),
 * each with the repairs the Sync page offers (push again, adopt, unlink).
 */
export interface Drift {
  objectId: number;
  label: string;
  remoteId: string;
  attributes: { attribute: string; written: unknown; remote: unknown }[];
}

export interface ReconcileReport {
  remoteOnly: { remoteId: string; name: string }[];
  localOnly: { objectId: number; label: string }[];
  drifted: Drift[];
}

const norm = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v ?? null);

export async function reconcile(sync: SyncRuntime, organizationId: number): Promise<ReconcileReport> {
  const s = await findSyncSettings(sync.db, organizationId);
  if (!s?.token_enc) throw new DomainError('VALIDATION', 'Save the URL and the token first.');
  const client = new ScimClient(s.base_url, sync.secrets.decrypt(s.token_enc), { fetch: sync.fetch, maxInFlight: 1 });
  let remoteUsers, remoteGroups;
  try {
    remoteUsers = await client.list('Users');
    remoteGroups = await client.list('Groups');
  } catch (e) {
    if (e instanceof ScimError) throw new DomainError('VALIDATION', `The SCIM server could not be read: ${e.detail}`);
    throw e;
  }
  const users = await syncObjectsOfKind(sync.db, organizationId, 'user');
  const groups = await syncObjectsOfKind(sync.db, organizationId, 'group');
  const known = new Set([...users, ...groups].map((o) => o.remote_id).filter(Boolean));
  const remoteById = new Map([...remoteUsers, ...remoteGroups].map((r) => [r.id, r]));
  const report: ReconcileReport = { remoteOnly: [], localOnly: [], drifted: [] };
  for (const r of remoteUsers) if (!known.has(r.id)) report.remoteOnly.push({ remoteId: r.id, name: String(r.userName ?? r.id) });
  for (const r of remoteGroups) if (!known.has(r.id)) report.remoteOnly.push({ remoteId: r.id, name: String(r.displayName ?? r.id) });
  const localOfRemote = new Map(users.map((u) => [u.remote_id, u.local_id]));
  for (const o of [...users, ...groups]) {
    const written = parseWritten<Record<string, unknown>>(o);
    if (!written) continue;
    const remote = o.remote_id ? remoteById.get(o.remote_id) : undefined;
    if (!remote) {
      report.localOnly.push({ objectId: o.id, label: o.label });
      continue;
    }
    const attributes: Drift['attributes'] = [];
    if (o.kind === 'user') {
      const w = written as unknown as UserAttrs;
      const pairs: [string, unknown, unknown][] = [
        ['userName', w.userName, remote.userName],
        ['active', w.active, remote.active ?? true],
        ['displayName', w.displayName, remote.displayName],
        ['externalId', w.externalId, remote.externalId],
      ];
      for (const [attribute, a, b] of pairs) if (norm(a) !== norm(b)) attributes.push({ attribute, written: a ?? null, remote: b ?? null });
    } else {
      const w = written as unknown as GroupAttrs;
      if (w.displayName !== remote.displayName) attributes.push({ attribute: 'displayName', written: w.displayName, remote: remote.displayName ?? null });
      const remoteMembers = ((remote.members as { value: string }[] | undefined) ?? []).map((m) => localOfRemote.get(m.value) ?? m.value).map(String).sort();
      const writtenMembers = w.members.map(String).sort();
      if (JSON.stringify(remoteMembers) !== JSON.stringify(writtenMembers)) attributes.push({ attribute: 'members', written: w.members, remote: remoteMembers });
    }
    if (attributes.length) report.drifted.push({ objectId: o.id, label: o.label, remoteId: o.remote_id!, attributes });
  }
  return report;
}
