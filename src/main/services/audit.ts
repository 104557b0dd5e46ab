import type { NewAuditRow } from '../db/tables/audit.table';
import type { Member } from '../db/tables/member.table';
import type { Actor } from './deps';

export function memberSnapshot(m: Member): Record<string, unknown> {
  return { status: m.status, email: m.email, name: m.name, phone: m.phone };
}

export function auditRow(
  organizationId: number | null,
  actor: Actor,
  action: string,
  target: { type: string; id: number | null; label: string | null },
  before: unknown,
  after: unknown,
  at: string,
): NewAuditRow {
  return {
    organization_id: organizationId,
    actor_person_id: actor.personId,
    actor_label: actor.label,
    action,
    target_type: target.type,
    target_id: target.id,
    target_label: target.label,
    before_json: before === null || before === undefined ? null : JSON.stringify(before),
    after_json: after === null || after === undefined ? null : JSON.stringify(after),
    at,
  };
}

export function memberAudit(organizationId: number, actor: Actor, action: string, before: Member | null, after: Member | null, at: string, extra?: Record<string, unknown>): NewAuditRow {
  const m = (after ?? before)!;
  return auditRow(
    organizationId,
    actor,
    action,
    { type: 'member', id: m.id, label: m.email },
    before ? memberSnapshot(before) : null,
    after ? { ...memberSnapshot(after), ...extra } : extra ?? null,
    at,
  );
}
