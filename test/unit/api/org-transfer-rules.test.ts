/**
 * An organization file holds nothing the console itself would refuse (the adversarial pass of
 * 2026-12-07, third): each case below was imported before, and made an organization the console
 * could not have made (an Owner role holding nothing, which nobody could open). Each is now refused
 * with the JSON path and what to fix, and nothing is written.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT_DEPTH_TEXT, MAX_ACCOUNT_DEPTH } from '../../../src/shared/accounts';
import { checkReferences, type OrganizationFile } from '../../../src/main/services/org-transfer-format';
import { caught, createEnv, exportFile, inviteAndAccept, registerOwner, type Caller, type TestEnv } from '../helpers';

type Role = { key: number; name: string; builtin: string | null; permissions: string[] };
type Doc = { organization: { name: string }; roles: Role[]; accounts: { key: number; parent: number | null; name: string; createdAt: string }[]; members: Record<string, any>[] };

async function importFile(caller: Caller, text: string) {
  const { uploadId } = await caller.orgTransfer.importPart({ uploadId: null, text });
  return caller.orgTransfer.importCommit({ uploadId });
}

describe('organization file: the console rules', () => {
  let source: TestEnv;
  let target: TestEnv;
  let other: Caller;
  let doc: Doc;

  beforeAll(async () => {
    source = await createEnv();
    const owner = (await registerOwner(source)).caller;
    const france = (await owner.accounts.create({ name: 'France' })).id;
    await owner.accounts.create({ name: 'Paris', parentId: france });
    await owner.roles.create({ name: 'Support', permissions: ['members.view'] });
    await inviteAndAccept(source, owner, 'admin@acme.test', 'Admin');
    doc = JSON.parse(await exportFile(owner)) as Doc;
    target = await createEnv();
    other = (await registerOwner(target, { organizationName: 'Target' })).caller;
  });
  afterAll(async () => {
    await source?.close();
    await target?.close();
  });

  const variant = (change: (d: Doc) => void) => {
    const copy = structuredClone(doc);
    change(copy);
    return JSON.stringify(copy);
  };
  /** What an import would have written: the organizations the importer sees, and the people of the install. */
  const written = async () => ({
    organizations: ((await other.auth.state()).me?.organizations ?? []).map((o: { name: string }) => o.name),
    people: Number((await sql<{ n: number }>`select count(*) as n from person`.execute(target.store.db)).rows[0]!.n),
  });

  /** Refused with a 400 naming the path, and nothing written. */
  async function refused(text: string, message: string | RegExp) {
    const before = await written();
    const e = await caught(importFile(other, text));
    expect([e.code, e.domainCode]).toEqual(['BAD_REQUEST', 'VALIDATION']);
    if (typeof message === 'string') expect(e.message).toBe(message);
    else expect(e.message).toMatch(message);
    expect(await written()).toEqual(before);
  }

  const roleIndex = (builtin: string) => doc.roles.findIndex((r) => r.builtin === builtin);

  it('refuses an Owner role that lacks a permission: the console keeps it whole', async () => {
    const i = roleIndex('owner');
    await refused(
      variant((d) => (d.roles[i]!.permissions = [])),
      `$.roles[${i}].permissions: the Owner role always holds every permission, each module's included: add "members.view", "members.invite", "members.edit", "members.deactivate", "members.delete" and 11 more.`,
    );
    await refused(
      variant((d) => (d.roles[i]!.permissions = d.roles[i]!.permissions.filter((p) => p !== 'organization.delete' && p !== 'module:dashboard'))),
      `$.roles[${i}].permissions: the Owner role always holds every permission, each module's included: add "organization.delete", "module:dashboard".`,
    );
  });

  it('refuses a built-in role under another name: the console never renames one', async () => {
    const i = roleIndex('admin');
    await refused(
      variant((d) => (d.roles[i]!.name = 'Boss')),
      `$.roles[${i}].name: the built-in role "admin" is named "Admin" (built-in roles cannot be renamed): name it "Admin".`,
    );
  });

  it('imports what an Owner may do in the console: "Delete the organization" given to the Admin role and to a role of their own', async () => {
    const result = await importFile(
      other,
      variant((d) => {
        d.organization.name = 'Acme (admins delete)';
        d.roles[roleIndex('admin')]!.permissions.push('organization.delete');
        d.roles.find((r) => r.name === 'Support')!.permissions.push('organization.delete');
      }),
    );
    expect(result.name).toBe('Acme (admins delete)');
  });

  /** `count` accounts in chains of `length` below the company account, each named `name`. */
  function chains(d: Doc, count: number, length: number, name = 'Team') {
    const root = d.accounts.find((a) => a.parent === null)!;
    let key = Math.max(...d.accounts.map((a) => a.key));
    for (let i = 0; i < count; i++) {
      const parent = i % length === 0 ? root.key : key;
      d.accounts.push({ key: ++key, parent, name, createdAt: root.createdAt });
    }
  }

  it('refuses two sub-accounts of one name under one account (case, spaces and accent encoding aside), as the console does', async () => {
    const paris = doc.accounts.findIndex((a) => a.name === 'Paris');
    const france = doc.accounts[paris]!.parent;
    const n = doc.accounts.length;
    await refused(
      variant((d) => d.accounts.push({ key: 9999, parent: france, name: ' PARIS ', createdAt: d.accounts[0]!.createdAt })),
      `$.accounts[${n}].name: "PARIS" has the name of $.accounts[${paris}] ("Paris"), under the same parent: sub-accounts under one account have different names (case aside): rename one.`,
    );
    const root = doc.accounts.find((a) => a.parent === null)!.key;
    await refused(
      variant((d) => d.accounts.push({ key: 9998, parent: root, name: 'Caf\u00e9', createdAt: d.accounts[0]!.createdAt }, { key: 9999, parent: root, name: 'Cafe\u0301', createdAt: d.accounts[0]!.createdAt })),
      `$.accounts[${n + 1}].name: "Cafe\u0301" has the name of $.accounts[${n}] ("Caf\u00e9"), under the same parent: sub-accounts under one account have different names (case aside): rename one.`,
    );
  });

  it(`refuses a sub-account more than ${MAX_ACCOUNT_DEPTH} levels below the company account, naming it; ${MAX_ACCOUNT_DEPTH} levels import`, async () => {
    const n = doc.accounts.length;
    await refused(
      variant((d) => chains(d, MAX_ACCOUNT_DEPTH + 1, MAX_ACCOUNT_DEPTH + 1)),
      `$.accounts[${n + MAX_ACCOUNT_DEPTH}].parent: "Team" is ${MAX_ACCOUNT_DEPTH + 1} levels below the company account. ${ACCOUNT_DEPTH_TEXT}: give it a parent higher in the tree.`,
    );
    // The same names at different places are fine (the console's rule is about siblings).
    const result = await importFile(
      other,
      variant((d) => {
        d.organization.name = 'Acme (deep)';
        chains(d, MAX_ACCOUNT_DEPTH, MAX_ACCOUNT_DEPTH);
      }),
    );
    await other.auth.switchOrganization({ organizationId: result.organizationId });
    const deepest = (await other.accounts.list()).at(-1)!.path;
    expect(deepest).toBe(['Acme', ...Array(MAX_ACCOUNT_DEPTH).fill('Team')].join(' / '));
  });

  it('imports sub-accounts listed children first, each under its parent (written from the root down, whatever the order)', async () => {
    const result = await importFile(
      other,
      variant((d) => {
        d.organization.name = 'Acme (children first)';
        d.accounts.reverse();
      }),
    );
    await other.auth.switchOrganization({ organizationId: result.organizationId });
    expect((await other.accounts.list()).map((a) => a.path).sort()).toEqual(['Acme', 'Acme / France', 'Acme / France / Paris']);
  });

  it('checks 100,000 sub-accounts at once, one chain of them too', () => {
    // No timed assertion (the bench's business): the check was quadratic, each account walked up to the
    // root, minutes for such a chain, which the test's own timeout catches.
    const outcome = (d: Doc) => {
      try {
        checkReferences(d as unknown as OrganizationFile);
        return 'accepted';
      } catch (e) {
        return (e as Error).message;
      }
    };
    const chain = structuredClone(doc);
    chains(chain, 100_000 - chain.accounts.length, 100_000);
    const wide = structuredClone(doc);
    chains(wide, 100_000 - wide.accounts.length, MAX_ACCOUNT_DEPTH);
    wide.accounts.forEach((a, i) => (a.name = `Team ${i}`));
    expect(outcome(chain)).toMatch(/levels below the company account/);
    expect(outcome(wide)).toBe('accepted');
  });

  it('refuses an accepted or deactivated member without a person: they could never sign in', async () => {
    const i = doc.members.findIndex((m) => m.email === 'admin@acme.test');
    for (const status of ['accepted', 'deactivated'])
      await refused(
        variant((d) => Object.assign(d.members[i]!, { status, hasPerson: false })),
        `$.members[${i}].hasPerson: a member "${status}" has signed up to Roster, so "hasPerson" is true: set it to true, or give the member the status of an invitation not yet accepted ("pending").`,
      );
  });
});
