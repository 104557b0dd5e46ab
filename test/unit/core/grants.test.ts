import { describe, expect, it } from 'vitest';
import { MAX_ACCOUNT_DEPTH } from '../../../src/shared/accounts';
import { AccountTree, Authz, outranks, type Grant } from '../../../src/main/core/authz';
import { defaultTeamAccount, moveProblem, nestProblem, redundantGrant, ungrantable, type PermissionGrant, type RoleGrant } from '../../../src/main/core/grants';

// Acme(1) ─ Sales(2) ─ Paris(4)
//         └ Ops(3)
const tree = new AccountTree([
  { id: 1, parent_id: null, name: 'Acme' },
  { id: 2, parent_id: 1, name: 'Sales' },
  { id: 3, parent_id: 1, name: 'Ops' },
  { id: 4, parent_id: 2, name: 'Paris' },
]);
const admin = (accountId: number): RoleGrant => ({ roleId: 10, roleName: 'Admin', accountId, permissions: ['members.view', 'members.edit'] });
const team = (accountId: number): RoleGrant => ({ roleId: 11, roleName: 'Team Admin', accountId, permissions: ['members.view'] });
const perm = (permission: string, accountId: number): PermissionGrant => ({ permission, accountId });

describe('redundantGrant', () => {
  const cases: { name: string; roles: RoleGrant[]; perms: PermissionGrant[]; redundant: RegExp | null }[] = [
    { name: 'nothing', roles: [], perms: [], redundant: null },
    { name: 'one role at a sub-account', roles: [admin(2)], perms: [], redundant: null },
    { name: 'same role at siblings', roles: [admin(2), admin(3)], perms: [], redundant: null },
    { name: 'different roles at parent and child', roles: [admin(2), team(4)], perms: [], redundant: null },
    { name: 'same role at parent and child', roles: [admin(2), admin(4)], perms: [], redundant: /Admin at Acme \/ Sales \/ Paris is redundant: it is already granted at Acme \/ Sales/ },
    { name: 'same role at company and grandchild', roles: [admin(4), admin(1)], perms: [], redundant: /already granted at Acme,/ },
    { name: 'permission the role gives at the same account', roles: [admin(2)], perms: [perm('members.view', 2)], redundant: /role Admin already grants it at Acme \/ Sales/ },
    { name: 'permission the role gives at an ancestor', roles: [admin(1)], perms: [perm('members.edit', 4)], redundant: /role Admin already grants it at Acme\./ },
    { name: 'permission the role does not give', roles: [team(2)], perms: [perm('members.edit', 4)], redundant: null },
    { name: 'same permission at parent and child', roles: [], perms: [perm('audit.view', 2), perm('audit.view', 4)], redundant: /already granted at Acme \/ Sales/ },
    { name: 'same permission at siblings', roles: [], perms: [perm('audit.view', 2), perm('audit.view', 3)], redundant: null },
  ];
  for (const c of cases)
    it(c.name, () => {
      const got = redundantGrant(tree, c.roles, c.perms);
      if (c.redundant) expect(got).toMatch(c.redundant);
      else expect(got).toBeNull();
    });
});

describe('moveProblem', () => {
  const cases: [number, number, RegExp | null][] = [
    [4, 3, null],
    [4, 1, null],
    [2, 3, null],
    [1, 2, /company account/],
    [2, 2, /under itself/],
    [2, 4, /under itself or one of its own sub-accounts/],
    [99, 1, /no longer exists/],
    [2, 99, /no longer exists/],
  ];
  for (const [id, parent, want] of cases)
    it(`move ${id} under ${parent}`, () => {
      const got = moveProblem(tree, id, parent);
      if (want) expect(got).toMatch(want);
      else expect(got).toBeNull();
    });
});

/** Acme(1) ─ L1(2) ─ L2(3) ─ … ─ L{levels}(levels + 1), and a side branch Side(100000) ─ Leaf(100001) under Acme. */
function chain(levels: number): AccountTree {
  const accounts = [{ id: 1, parent_id: null as number | null, name: 'Acme' }];
  for (let level = 1; level <= levels; level++) accounts.push({ id: level + 1, parent_id: level, name: `L${level}` });
  accounts.push({ id: 100_000, parent_id: 1, name: 'Side' }, { id: 100_001, parent_id: 100_000, name: 'Leaf' });
  return new AccountTree(accounts);
}

describe(`sub-accounts nest at most ${MAX_ACCOUNT_DEPTH} levels`, () => {
  const deep = chain(MAX_ACCOUNT_DEPTH);
  const cases: { name: string; problem: string | null; want: RegExp | null }[] = [
    { name: 'a new account under level 19', problem: nestProblem(deep, MAX_ACCOUNT_DEPTH), want: null },
    { name: 'a new account under level 20', problem: nestProblem(deep, MAX_ACCOUNT_DEPTH + 1), want: /at most 20 levels below the company account: Acme \/ L1 \/ .* \/ L20 is at level 20 already/ },
    { name: 'a leaf moved under level 19', problem: moveProblem(deep, 100_001, MAX_ACCOUNT_DEPTH), want: null },
    { name: 'a leaf moved under level 20', problem: moveProblem(deep, 100_001, MAX_ACCOUNT_DEPTH + 1), want: /Leaf and its sub-accounts would reach level 21/ },
    { name: 'a branch of two moved under level 18', problem: moveProblem(deep, 100_000, MAX_ACCOUNT_DEPTH - 1), want: null },
    { name: 'a branch of two moved under level 19', problem: moveProblem(deep, 100_000, MAX_ACCOUNT_DEPTH), want: /Side and its sub-accounts would reach level 21/ },
  ];
  for (const c of cases)
    it(c.name, () => {
      if (c.want) expect(c.problem).toMatch(c.want);
      else expect(c.problem).toBeNull();
    });

  it('paths are right whichever account is asked first (each built from its parent)', () => {
    const t = chain(3000);
    expect(t.path(3001)).toBe(['Acme', ...Array.from({ length: 3000 }, (_, i) => `L${i + 1}`)].join(' / '));
    expect(t.path(2)).toBe('Acme / L1');
    expect(t.path(100_001)).toBe('Acme / Side / Leaf');
    expect(t.depth(3001)).toBe(3000);
    expect(t.height(1)).toBe(3000);
  });
});

const authz = (grants: [string, number][]) => new Authz(grants.map(([permission, accountId]): Grant => ({ permission, accountId, roleName: 'R' })), tree);

describe('ungrantable', () => {
  const actor = authz([['members.view', 1], ['members.edit', 2]]);
  const cases: { before: string[]; after: string[]; at?: number; want: string[] }[] = [
    { before: [], after: ['members.view'], want: [] },
    { before: [], after: ['members.edit'], want: ['members.edit'] },
    { before: [], after: ['members.edit'], at: 4, want: [] },
    { before: ['audit.view'], after: [], want: ['audit.view'] },
    { before: ['audit.view'], after: ['audit.view', 'members.view'], want: [] },
    { before: ['billing.manage', 'audit.view'], after: ['members.view'], want: ['audit.view', 'billing.manage'] },
  ];
  for (const c of cases)
    it(`${c.before.join(',')} → ${c.after.join(',')} at ${c.at ?? 'company'}`, () => {
      expect(ungrantable(actor, c.before, c.after, c.at)).toEqual(c.want);
    });
});

describe('defaultTeamAccount', () => {
  const cases: { grants: [string, number][]; want: number | null }[] = [
    { grants: [['members.invite', 1]], want: null },
    { grants: [['members.invite', 2]], want: 2 },
    { grants: [['members.invite', 2], ['members.invite', 4]], want: 2 },
    { grants: [['members.invite', 2], ['members.invite', 3]], want: null },
    { grants: [['members.view', 2]], want: null },
  ];
  for (const c of cases) it(JSON.stringify(c.grants), () => expect(defaultTeamAccount(authz(c.grants), 'members.invite')).toBe(c.want));
});

describe('Authz with sub-accounts (Team Admin)', () => {
  const teamAdmin = authz([['members.view', 2], ['members.edit', 2]]);
  const cases: [string, number, boolean][] = [
    ['members.view', 2, true],
    ['members.view', 4, true],
    ['members.view', 3, false],
    ['members.view', 1, false],
    ['members.edit', 4, true],
    ['members.delete', 2, false],
  ];
  for (const [p, at, want] of cases) it(`${p} at ${at}: ${want}`, () => expect(teamAdmin.can(p, at)).toBe(want));
  it('scope lists the subtree only', () => expect(teamAdmin.scope('members.view')).toEqual(expect.arrayContaining([2, 4])));
  it('an org-wide admin outranks a Team Admin, never the reverse', () => {
    const orgAdmin = authz([['members.view', 1], ['members.edit', 1]]);
    expect(outranks(orgAdmin, teamAdmin)).toBe(true);
    expect(outranks(teamAdmin, orgAdmin)).toBe(false);
  });
  it('explains where each permission comes from', () => expect(teamAdmin.explain('members.view')).toEqual(['granted by role R at Acme / Sales']));
});
