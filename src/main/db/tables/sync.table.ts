import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export type SyncDeletionPolicy = 'deactivate' | 'delete';
export type SyncPauseKind = 'token' | 'network' | 'admin';

/** An organization's SCIM sync. `token_enc` is a SecretBox ciphertext, never sent to the renderer. */
export interface SyncSettingsTable {
  organization_id: number;
  base_url: string;
  token_enc: string | null;
  /** 1: pushes run; 0: switched off by an admin. */
  enabled: number;
  /** Why the sync is paused by itself (token rejected, server unreachable), null when not paused. */
  pause_kind: SyncPauseKind | null;
  pause_reason: string | null;
  deletion_policy: SyncDeletionPolicy;
  guard_percent: number;
  guard_count: number;
  max_in_flight: number;
  /** 1: pushes send only reads. */
  dry_run: number;
  /** The mass-change guard holds the push: what it would do, until approved. */
  hold_reason: string | null;
  hold_approved: number;
  /** One push at a time per organization, also across processes. */
  push_owner: string | null;
  push_lease_until: string | null;
  /** The server asked to wait (429/503 Retry-After) or backoff: no request before this. */
  retry_after_until: string | null;
  last_push_at: string | null;
  last_push_summary: string | null;
  updated_at: string;
}
export type SyncSettingsRow = Selectable<SyncSettingsTable>;
export type NewSyncSettings = Insertable<SyncSettingsTable>;
export type SyncSettingsUpdate = Updateable<SyncSettingsTable>;

export type SyncObjectKind = 'user' | 'group';
export type SyncLocalType = 'member' | 'role' | 'account';
export type SyncObjectState = 'pending' | 'in_flight' | 'synced' | 'failed' | 'blocked';

/** One Roster object as the remote server knows it. */
export interface SyncObjectTable {
  id: Generated<number>;
  organization_id: number;
  kind: SyncObjectKind;
  local_type: SyncLocalType;
  local_id: number;
  /** Chosen before the first send, never changes: the remote object's externalId. */
  external_id: string;
  remote_id: string | null;
  /** The attributes last written to the server (JSON), to diff against and to preview. */
  written_json: string | null;
  label: string;
  state: SyncObjectState;
  status: number | null;
  scim_type: string | null;
  detail: string | null;
  attempts: number;
  next_retry_at: string | null;
  lease_until: string | null;
  synced_at: string | null;
  updated_at: string;
}
export type SyncObjectRow = Selectable<SyncObjectTable>;
export type NewSyncObject = Insertable<SyncObjectTable>;
export type SyncObjectUpdate = Updateable<SyncObjectTable>;

/** Written by triggers in the transaction of the change: which local object changed. */
export interface SyncDirtyTable {
  id: Generated<number>;
  organization_id: number;
  local_type: SyncLocalType;
  local_id: number;
}
