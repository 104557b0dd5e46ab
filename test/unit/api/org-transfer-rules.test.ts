/**
 * An organization file holds nothing the console itself would refuse (the adversarial pass of
 * 2026-12-07, third): each case below was imported before, and made an organization the console
 * could not have made (an Owner role holding nothing, which nobody could open). Each is now refused
 * with the JSON path and what to fix, and nothing is written.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
});
