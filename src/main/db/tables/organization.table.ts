import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export interface OrganizationTable {
  id: Generated<number>;
  name: string;
  invitation_validity_days: Generated<number>;
  /** JSON array of domains; empty means every domain is allowed. */
  allow_domains: Generated<string>;
  deny_domains: Generated<string>;
  block_disposable: Generated<number>;
  require_phone: Generated<number>;
  time_zone: Generated<string>;
  idle_lock_minutes: Generated<number>;
  created_at: string;
  /** Where one-time phone codes are POSTed (the organization's SMS gateway); null when none. */
  sms_webhook_url: string | null;
  /** Bumped by a trigger on every update (migration 0011): a save from a stale copy is refused. */
  version: Generated<number>;
}
export type Organization = Selectable<OrganizationTable>;
export type NewOrganization = Insertable<OrganizationTable>;
export type OrganizationUpdate = Updateable<OrganizationTable>;
