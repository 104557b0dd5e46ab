import type { Generated, Insertable, Selectable } from 'kysely';

export interface AuditTable {
  id: Generated<number>;
  organization_id: number | null;
  actor_person_id: number | null;
  /** Who acted, as shown: an email, "invitee", or "system". */
  actor_label: string;
  action: string;
  target_type: string;
  target_id: number | null;
  target_label: string | null;
  before_json: string | null;
  after_json: string | null;
  at: string;
}
export type AuditRow = Selectable<AuditTable>;
export type NewAuditRow = Insertable<AuditTable>;
