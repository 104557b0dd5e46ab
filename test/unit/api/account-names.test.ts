import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_ACCOUNT_DEPTH } from '../../../src/shared/accounts';
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

describe(`sub-accounts nest at most ${MAX_ACCOUNT_DEPTH} levels`, () => {
  let env: TestEnv;
  let owner: Caller;
  beforeAll(async () => {
    env = await createEnv();
    owner = (await registerOwner(env)).caller;
  });
  afterAll(async () => {
    await env.close();
  });

  it('creates down to level 20, then refuses a 21st level and a move that would reach it, saying where', async () => {
    let parentId: number | undefined;
    for (let level = 1; level <= MAX_ACCOUNT_DEPTH; level++) parentId = (await owner.accounts.create({ name: `L${level}`, parentId })).id;
    const e = await caught(owner.accounts.create({ name: 'Too deep', parentId }));
    expect(e.domainCode).toBe('VALIDATION');
    expect(e.message).toMatch(/^Sub-accounts nest at most 20 levels below the company account: Acme \/ L1 \/ .* \/ L20 is at level 20 already\.$/);
    const side = (await owner.accounts.create({ name: 'Side' })).id;
    expect((await caught(owner.accounts.move({ id: side, parentId: parentId! }))).message).toMatch(/Side and its sub-accounts would reach level 21/);
    expect((await owner.accounts.list()).map((a) => a.name)).not.toContain('Too deep');
  });
});
