import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caught, createEnv, registerOwner, type Caller, type TestEnv } from '../helpers';

let env: TestEnv;
let owner: Caller;

beforeAll(async () => {
  env = await createEnv();
  owner = (await registerOwner(env)).caller;
});

afterAll(async () => {
  await env.close();
});

describe('organization settings: numbers out of range are refused, never clamped', () => {
  const form = async () => {
    const { version: _v, ...s } = await owner.organizations.settings();
    return s;
  };

  it('refuses an idle lock or an invitation validity out of range with the allowed range, and saves nothing', async () => {
    const before = await form();
    const cases = [
      { idleLockMinutes: -5, field: 'idleLockMinutes', issue: 'The idle lock must be between 1 and 1440 minutes.' },
      { idleLockMinutes: 0, field: 'idleLockMinutes', issue: 'The idle lock must be between 1 and 1440 minutes.' },
      { idleLockMinutes: 1441, field: 'idleLockMinutes', issue: 'The idle lock must be between 1 and 1440 minutes.' },
      { idleLockMinutes: 2.5, field: 'idleLockMinutes', issue: 'The idle lock must be a whole number of minutes.' },
      { invitationValidityDays: 0, field: 'invitationValidityDays', issue: 'Invitations must be valid for between 1 and 90 days.' },
      { invitationValidityDays: 91, field: 'invitationValidityDays', issue: 'Invitations must be valid for between 1 and 90 days.' },
    ];
    for (const { field, issue, ...change } of cases) {
      const err = await caught(owner.organizations.updateSettings({ ...before, ...change }));
      expect(err.domainCode, JSON.stringify(change)).toBe('VALIDATION');
      expect(err.field, JSON.stringify(change)).toBe(field);
      expect(err.issue, JSON.stringify(change)).toBe(issue);
    }
    const after = await form();
    expect(after.idleLockMinutes).toBe(before.idleLockMinutes);
    expect(after.invitationValidityDays).toBe(before.invitationValidityDays);
  });

  it('accepts the ends of the ranges', async () => {
    const saved = await owner.organizations.updateSettings({ ...(await form()), idleLockMinutes: 1440, invitationValidityDays: 90 });
    expect(saved.idleLockMinutes).toBe(1440);
    expect(saved.invitationValidityDays).toBe(90);
  });
});
