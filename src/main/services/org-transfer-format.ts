import { z } from 'zod';
import { BUILTIN_ROLE_NAMES, BUILTIN_ROLES, CONSOLE_PERMISSIONS, isConsolePermission, moduleKey } from '../../shared/permissions';
import { displayProblemForKey } from '../../shared/invisible-text';
import { ACCOUNT_DEPTH_TEXT, MAX_ACCOUNT_DEPTH, accountNameKey } from '../../shared/accounts';
import { MEMBER_STATUSES } from '../../shared/statuses';
import { MAX_EMAIL_LENGTH, MAX_NAME_LENGTH, MAX_PHONE_LENGTH } from '../../shared/invite-entry';
import { isValidEmail, normalizeEmail } from '../core/addresses';
import { DomainError } from '../core/errors';
import { mailSettingsInput } from '../mail/service';
import { moduleInput, roleDescription, roleName } from './roles';
import { settingsInput } from './organizations';

/**
 * The organization file, format "roster-organization" version 1 (docs/organization-format.md).
 * Ids in the file are "keys": the exporting install's ids, used only to tie rows together; an
 * import gives every row a new id. The schema reuses the validators the router uses for the same
 * values (role names, descriptions, modules, mail settings, organization settings), so a file
 * holds nothing the console itself would refuse.
 */
export const FORMAT = 'roster-organization';
export const FORMAT_VERSION = 1;

const key = z.number().int().positive();
/**
 * An instant with or without an offset, read as the instant it names and kept as the store writes
 * instants (toISOString: UTC, milliseconds): they are compared as text (expiry, the audit's dates),
 * so "…T10:00:00+14:00" stored as written sorted 14 hours late.
 */
const iso = z.iso
  .datetime({ offset: true })
  .transform((s) => new Date(s).toISOString())
  // Past year 9999 (or before 0000) once in UTC, toISOString writes "+010000-…" ("-000001-…"): sorted
  // as text before "2026-…", and not an instant this schema reads: the organization, exported again,
  // could not be imported.
  .refine((s) => /^\d{4}-/.test(s), { error: (issue) => `a date between the years 0000 and 9999 is expected; in UTC this one is ${String(issue.input)}: correct it.` });
const isoOrNull = iso.nullable();

const organizationPart = settingsInput
  .pick({ name: true, invitationValidityDays: true, allowDomains: true, denyDomains: true, blockDisposable: true, requirePhone: true, timeZone: true, idleLockMinutes: true })
  .extend({ createdAt: iso });

const accountPart = z.object({ key, parent: key.nullable(), name: z.string().trim().min(1, 'Give the sub-account a name.').max(200), createdAt: iso });

const rolePart = z.object({
  key,
  name: roleName,
  builtin: z.enum(BUILTIN_ROLES).nullable(),
  description: roleDescription,
  // Checked against the file's own modules once read (checkReferences), with the place in the file.
  permissions: z.array(z.string().min(1).max(100)).max(500),
  createdAt: iso,
});

const grantPart = z.object({ role: key, account: key });
const permissionPart = z.object({ permission: z.string().min(1).max(100), account: key });

const memberPart = z.object({
  key,
  email: z.string().trim().max(MAX_EMAIL_LENGTH).refine(isValidEmail, 'Not a valid email address.'),
  name: z.string().trim().max(MAX_NAME_LENGTH).nullable(),
  phone: z.string().trim().max(MAX_PHONE_LENGTH).nullable(),
  status: z.enum(MEMBER_STATUSES),
  /** Whether the member had signed up (a person with a sign-in); never a password or its hash. */
  hasPerson: z.boolean(),
  invitedBy: key.nullable(),
  invitedAt: isoOrNull,
  inviteExpiresAt: isoOrNull,
  acceptedAt: isoOrNull,
  statusChangedAt: iso,
  createdAt: iso,
  updatedAt: iso,
  roles: z.array(grantPart).max(1000),
  permissions: z.array(permissionPart).max(1000),
  accounts: z.array(key).max(1000),
});

const mailPart = mailSettingsInput.omit({ password: true });

export const organizationFile = z.object({
  format: z.literal(FORMAT, `This is not a Roster organization file (its "format" must be "${FORMAT}").`),
  version: z.literal(FORMAT_VERSION, `This file is of a version this Roster cannot read (it reads version ${FORMAT_VERSION}): update Roster.`),
  exportedAt: iso,
  exportedBy: z.string().max(MAX_EMAIL_LENGTH),
  organization: organizationPart,
  accounts: z.array(accountPart).min(1).max(100_000),
  roles: z.array(rolePart).min(1).max(10_000),
  modules: z.array(moduleInput).max(1000),
  mail: mailPart.nullable(),
  members: z.array(memberPart).max(1_000_000),
  /** The member count the exporter wrote last: a truncated file is refused. */
  end: z.object({ members: z.number().int().min(0) }),
});
export type OrganizationFile = z.infer<typeof organizationFile>;
export type MemberEntry = z.infer<typeof memberPart>;

// oxlint-disable-next-line no-control-regex -- finding control characters is the point (as the router's text check).
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a string of the file at this key would be refused by the router's text check, or null. */
function textRefusal(value: string, key: PropertyKey | undefined): string | null {
  if (CONTROL.test(value) || LONE_SURROGATE.test(value)) return 'the text holds a control character or a broken character (half of an emoji): fix it in the file.';
  const display = displayProblemForKey(value, key);
  return display ? `${display.charAt(0).toLowerCase()}${display.slice(1)}` : null;
}

/** Where the first text is that the router would refuse (the same rules as its text check), and why; paths built only on a find. */
function badText(value: unknown, path: PropertyKey[]): { path: PropertyKey[]; message: string } | null {
  if (typeof value === 'string') {
    const message = textRefusal(value, path[path.length - 1]);
    return message ? { path, message } : null;
  }
  if (value === null || typeof value !== 'object') return null;
  const entries: [PropertyKey, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  for (const [k, v] of entries) {
    if (typeof v === 'string' ? textRefusal(v, k) === null : v === null || typeof v !== 'object') continue;
    const found = badText(v, [...path, k]);
    if (found) return found;
  }
  return null;
}

/** "$.members[12].email" from zod's path. */
export function jsonPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, p) => (typeof p === 'number' ? `${out}[${p}]` : `${out}.${String(p)}`), '$');
}

function refuse(path: readonly PropertyKey[], message: string): never {
  const where = jsonPath(path);
  throw new DomainError('VALIDATION', `${where}: ${message}`, { field: where });
}

/** Parses and checks a whole file; refuses with the JSON path of the first problem and what to fix. */
export async function parseOrganizationFile(text: string): Promise<OrganizationFile> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new DomainError('VALIDATION', `The file is not valid JSON (${e instanceof Error ? e.message : String(e)}): choose a file Roster exported.`, { field: '$' });
  }
  const head = raw as { format?: unknown; version?: unknown } | null;
  // Format and version first: a wrong file says so rather than listing its first odd field.
  if (!head || typeof head !== 'object' || head.format !== FORMAT) refuse(['format'], `this is not a Roster organization file (expected "format": "${FORMAT}").`);
  if (head.version !== FORMAT_VERSION) refuse(['version'], `version ${String(head.version)} is not one this Roster reads (it reads version ${FORMAT_VERSION}).`);
  const bad = badText(raw, []);
  if (bad) refuse(bad.path, bad.message);
  // Everything but the members at once, then the members a slice at a time with the event loop
  // free in between: 100,000 members are checked without holding other requests.
  const { members, ...rest } = raw as { members?: unknown };
  const top = organizationFile.omit({ members: true }).safeParse(rest);
  if (!top.success) refuse(top.error.issues[0]!.path, top.error.issues[0]!.message);
  if (!Array.isArray(members)) refuse(['members'], 'a list of members is expected.');
  const checked: MemberEntry[] = [];
  for (let i = 0; i < members.length; i += CHECK_SLICE) {
    if (i > 0) await new Promise((resolve) => setImmediate(resolve));
    members.slice(i, i + CHECK_SLICE).forEach((m, j) => {
      const r = memberPart.safeParse(m);
      if (!r.success) refuse(['members', i + j, ...r.error.issues[0]!.path], r.error.issues[0]!.message);
      checked.push(r.data);
    });
  }
  const file: OrganizationFile = { ...top.data, members: checked };
  checkReferences(file);
  return file;
}

const CHECK_SLICE = 2000;

/** Every key a row points at exists in the file, the tree has one root and no cycle, permissions are known. */
export function checkReferences(f: OrganizationFile): void {
  const accounts = checkAccounts(f);
  const moduleKeys = new Set(f.modules.map((m) => moduleKey(m.key)));
  if (moduleKeys.size !== f.modules.length) refuse(['modules'], 'two modules have the same key.');
  const known = (p: string) => isConsolePermission(p) || moduleKeys.has(p);
  const roles = new Set(f.roles.map((r) => r.key));
  if (roles.size !== f.roles.length) refuse(['roles'], 'two roles have the same key.');
  const roleNames = new Set<string>();
  f.roles.forEach((r, i) => {
    if (roleNames.has(r.name.toLowerCase())) refuse(['roles', i, 'name'], `two roles are named "${r.name}".`);
    roleNames.add(r.name.toLowerCase());
    r.permissions.forEach((p, j) => known(p) || refuse(['roles', i, 'permissions', j], `"${p}" is not a permission of Roster or of a module in the file.`));
  });
  for (const b of BUILTIN_ROLES) if (f.roles.filter((r) => r.builtin === b).length !== 1) refuse(['roles'], `the file must hold the built-in role "${b}" exactly once.`);
  checkBuiltinRoles(f, moduleKeys);
  if (f.end.members !== f.members.length) refuse(['end', 'members'], `the file says it holds ${f.end.members} members but ${f.members.length} are in it: the file is cut short.`);
  const members = new Set<number>();
  const live = new Set<string>();
  f.members.forEach((m, i) => {
    if (members.has(m.key)) refuse(['members', i, 'key'], `two members have the key ${m.key}.`);
    members.add(m.key);
    // Only signing up makes a member accepted (invitee/commands.ts), and only an accepted one is
    // deactivated: imported without a person, such a member could never sign in.
    if ((m.status === 'accepted' || m.status === 'deactivated') && !m.hasPerson)
      refuse(['members', i, 'hasPerson'], `a member "${m.status}" has signed up to Roster, so "hasPerson" is true: set it to true, or give the member the status of an invitation not yet accepted ("pending").`);
    if (m.status === 'deleted') return;
    const address = normalizeEmail(m.email);
    if (live.has(address)) refuse(['members', i, 'email'], `${m.email} is in the file twice (an address is one member, unless deleted).`);
    live.add(address);
  });
  f.members.forEach((m, i) => {
    if (m.invitedBy !== null && !members.has(m.invitedBy)) refuse(['members', i, 'invitedBy'], `no member has key ${m.invitedBy}.`);
    m.roles.forEach((g, j) => {
      if (!roles.has(g.role)) refuse(['members', i, 'roles', j, 'role'], `no role has key ${g.role}.`);
      if (!accounts.has(g.account)) refuse(['members', i, 'roles', j, 'account'], `no account has key ${g.account}.`);
    });
    m.permissions.forEach((g, j) => {
      if (!known(g.permission)) refuse(['members', i, 'permissions', j, 'permission'], `"${g.permission}" is not a permission of Roster or of a module in the file.`);
      if (!accounts.has(g.account)) refuse(['members', i, 'permissions', j, 'account'], `no account has key ${g.account}.`);
    });
    m.accounts.forEach((a, j) => accounts.has(a) || refuse(['members', i, 'accounts', j], `no account has key ${a}.`));
  });
}

/**
 * Built-in roles as the console keeps them (services/roles.ts): their names never change, and the
 * Owner role holds every permission, each module's included. The importer is made Owner: an Owner
 * role holding nothing made an organization nobody could open.
 */
function checkBuiltinRoles(f: OrganizationFile, moduleKeys: Set<string>): void {
  f.roles.forEach((r, i) => {
    if (r.builtin === null) return;
    const name = BUILTIN_ROLE_NAMES[r.builtin];
    if (r.name !== name) refuse(['roles', i, 'name'], `the built-in role "${r.builtin}" is named "${name}" (built-in roles cannot be renamed): name it "${name}".`);
    if (r.builtin !== 'owner') return;
    const held = new Set(r.permissions);
    const lacking = [...CONSOLE_PERMISSIONS, ...moduleKeys].filter((p) => !held.has(p));
    const shown = lacking.slice(0, 5).map((p) => `"${p}"`).join(', ') + (lacking.length > 5 ? ` and ${lacking.length - 5} more` : '');
    if (lacking.length) refuse(['roles', i, 'permissions'], `the Owner role always holds every permission, each module's included: add ${shown}.`);
  });
}

/**
 * The tree as the console keeps it (services/accounts.ts): one root, no cycle, sibling names
 * distinct, at most MAX_ACCOUNT_DEPTH levels. One pass over the accounts, each level worked out once
 * (a walk up stops at the first account whose level is known): 100,000 accounts, one chain of them
 * included, are checked in well under a second (each account walked up to the root took minutes).
 * Returns each key's place in the file.
 */
function checkAccounts(f: OrganizationFile): Map<number, number> {
  const n = f.accounts.length;
  const at = new Map<number, number>();
  f.accounts.forEach((a, i) => at.set(a.key, i));
  if (at.size !== n) refuse(['accounts'], 'two sub-accounts have the same key.');
  const roots = f.accounts.filter((a) => a.parent === null);
  if (roots.length !== 1) refuse(['accounts'], `exactly one account (the company account) has "parent": null, not ${roots.length}.`);
  const parent = new Int32Array(n);
  const named = new Map<string, number>();
  f.accounts.forEach((a, i) => {
    const p = a.parent === null ? -1 : at.get(a.parent);
    if (p === undefined) refuse(['accounts', i, 'parent'], `no account has key ${a.parent}.`);
    parent[i] = p;
    const sibling = `${p}/${accountNameKey(a.name)}`;
    const j = named.get(sibling);
    if (j !== undefined)
      refuse(['accounts', i, 'name'], `"${a.name}" has the name of $.accounts[${j}] ("${f.accounts[j]!.name}"), under the same parent: sub-accounts under one account have different names (case aside): rename one.`);
    named.set(sibling, i);
  });
  const UNKNOWN = -2;
  const ON_WALK = -1;
  const level = new Int32Array(n).fill(UNKNOWN);
  const walked = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let w = 0;
    let c = i;
    while (level[c] === UNKNOWN && parent[c] !== -1) {
      level[c] = ON_WALK;
      walked[w++] = c;
      c = parent[c]!;
    }
    if (level[c] === ON_WALK) refuse(['accounts', i, 'parent'], 'the sub-accounts form a cycle.');
    if (level[c] === UNKNOWN) level[c] = 0;
    let l = level[c]!;
    while (w > 0) level[walked[--w]!] = ++l;
  }
  // The shallowest account too deep: the one to move (those below it go with it).
  const deep = level.indexOf(MAX_ACCOUNT_DEPTH + 1);
  if (deep >= 0)
    refuse(['accounts', deep, 'parent'], `"${f.accounts[deep]!.name}" is ${MAX_ACCOUNT_DEPTH + 1} levels below the company account. ${ACCOUNT_DEPTH_TEXT}: give it a parent higher in the tree.`);
  return at;
}
