/**
 * What travels, and how it looks on the wire (pure: no I/O).
 * - Active and Deactivated members → SCIM Users: userName = email, emails, name, phoneNumbers,
 *   active, externalId (a stable Roster id chosen before the first send). Pending, expired,
 *   declined and cancelled invitations do not travel.
 * - Roles → Groups "Roster <Role>" with the members holding the role anywhere.
 * - Sub-accounts → Groups named by their path from the company ("Acme / Europe / France"), with
 *   the members who have access to that sub-account: the tree survives on servers without nested groups.
 */

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export interface MemberForSync {
  id: number;
  email: string;
  name: string | null;
  phone: string | null;
  status: string;
}

/** The attributes Roster owns on a remote User (what is written and compared). */
export interface UserAttrs {
  userName: string;
  externalId: string;
  active: boolean;
  displayName: string | null;
  name: { formatted: string; givenName?: string; familyName?: string } | null;
  emails: { value: string; type: 'work'; primary: true }[];
  phoneNumbers: { value: string; type: 'work' }[];
}

/** A remote Group; members are Roster member ids (turned into remote ids when sent). */
export interface GroupAttrs {
  displayName: string;
  externalId: string;
  members: number[];
}

export function travels(status: string): boolean {
  return status === 'accepted' || status === 'deactivated';
}

export function toUser(m: MemberForSync, externalId: string): UserAttrs {
  const name = m.name?.trim() || null;
  let parsed: UserAttrs['name'] = null;
  if (name) {
    const i = name.lastIndexOf(' ');
    parsed = i > 0 ? { formatted: name, givenName: name.slice(0, i), familyName: name.slice(i + 1) } : { formatted: name };
  }
  return {
    userName: m.email,
    externalId,
    active: m.status === 'accepted',
    displayName: name,
    name: parsed,
    emails: [{ value: m.email, type: 'work', primary: true }],
    phoneNumbers: m.phone ? [{ value: m.phone, type: 'work' }] : [],
  };
}

/** The full SCIM body for POST/PUT (null attributes left out). */
export function userBody(u: UserAttrs): Record<string, unknown> {
  const body: Record<string, unknown> = { schemas: [USER_SCHEMA], userName: u.userName, externalId: u.externalId, active: u.active, emails: u.emails, phoneNumbers: u.phoneNumbers };
  if (u.displayName) body.displayName = u.displayName;
  if (u.name) body.name = u.name;
  return body;
}

export function roleGroupName(roleName: string): string {
  return `Roster ${roleName}`;
}

/** "Acme / Europe / France": the names from the company account down to this sub-account. */
export function accountPath(accounts: Map<number, { name: string; parent_id: number | null }>, id: number): string | null {
  const names: string[] = [];
  const seen = new Set<number>();
  let cur: number | null = id;
  while (cur !== null) {
    if (seen.has(cur)) return null;
    seen.add(cur);
    const a = accounts.get(cur);
    if (!a) return null;
    names.unshift(a.name);
    cur = a.parent_id;
  }
  return names.join(' / ');
}

/** Depth of an account below the company account (0 for the company), for parent-before-child order. */
export function accountDepth(accounts: Map<number, { parent_id: number | null }>, id: number): number {
  let d = 0;
  let cur = accounts.get(id)?.parent_id ?? null;
  while (cur !== null && d < 1000) {
    d++;
    cur = accounts.get(cur)?.parent_id ?? null;
  }
  return d;
}

/** Every descendant of the given accounts (a rename or move changes their paths). */
export function descendants(accounts: { id: number; parent_id: number | null }[], roots: Iterable<number>): Set<number> {
  const children = new Map<number, number[]>();
  for (const a of accounts) if (a.parent_id !== null) children.set(a.parent_id, [...(children.get(a.parent_id) ?? []), a.id]);
  const out = new Set<number>();
  const stack = [...roots];
  while (stack.length) {
    const id = stack.pop()!;
    if (out.has(id)) continue;
    out.add(id);
    stack.push(...(children.get(id) ?? []));
  }
  return out;
}
