import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caught, createEnv, registerOwner, type Caller, type TestEnv } from '../helpers';

describe('sub-accounts: sibling names are unique, case-insensitively', () => {
  let env: TestEnv;
  let owner: Caller;
  let france: number;
  let spain: number;

  beforeAll(async () => {
    env = await createEnv();
    owner = (await registerOwner(env)).caller;
    france = (await owner.accounts.create({ name: 'France' })).id;
    spain = (await owner.accounts.create({ name: 'Spain' })).id;
    await owner.accounts.create({ name: 'Paris', parentId: france });
  });
  afterAll(async () => {
    await env.close();
  });

  it('refuses a second "france" beside France, saying where and what to do', async () => {
    const e = await caught(owner.accounts.create({ name: ' france ' }));
    expect(e).toMatchObject({ code: 'CONFLICT', domainCode: 'NAME_TAKEN' });
    expect(e.message).toBe('Acme already has a sub-account called "france": choose another name.');
    expect((await owner.accounts.list()).filter((a) => a.name.toLowerCase() === 'france')).toHaveLength(1);
  });

  it('accepts the same name under another parent, and refuses a rename or move onto a sibling name', async () => {
    const madridParis = (await owner.accounts.create({ name: 'PARIS', parentId: spain })).id;
    expect((await caught(owner.accounts.rename({ id: spain, name: 'FRANCE' }))).domainCode).toBe('NAME_TAKEN');
    expect((await caught(owner.accounts.move({ id: madridParis, parentId: france }))).domainCode).toBe('NAME_TAKEN');
    // Renaming an account to its own name with another case is fine.
    await owner.accounts.rename({ id: spain, name: 'SPAIN' });
  });
});
