import { describe, expect, it } from 'vitest';
import { caught } from '../helpers';
import { connect, syncEnv } from './env';

describe('sync: Test connection tries the form’s URL and token before anything is saved', () => {
  it('answers for an unsaved URL and token, saving nothing and queueing nothing', async () => {
    const e = await syncEnv();
    const report = await e.owner.sync.testConnection({ baseUrl: e.scim.baseUrl, token: e.scim.token });
    expect(report).toMatchObject({ ok: true, detail: 'Connected: the token was accepted.', capabilities: { patch: true } });
    expect(e.scim.log.map((l) => `${l.method} ${l.path}`)).toEqual(['GET /ServiceProviderConfig', 'GET /Users?count=1']);
    expect((await e.owner.sync.getSettings()).configured).toBe(false);
    expect((await e.owner.sync.status()).counts).toMatchObject({ pending: 0, queued: 0 });
    expect(await e.owner.sync.objects({})).toEqual([]);
  });

  it('says an unsaved token is rejected, and reaches the server only for a valid address', async () => {
    const e = await syncEnv();
    expect(await e.owner.sync.testConnection({ baseUrl: e.scim.baseUrl, token: 'wrong-token' })).toMatchObject({ ok: false, detail: 'The token was rejected (401).' });
    const before = e.scim.log.length;
    const bad = await caught(e.owner.sync.testConnection({ baseUrl: e.scim.baseUrl.replace('http://', ''), token: e.scim.token }));
    expect(bad).toMatchObject({ domainCode: 'VALIDATION', field: 'baseUrl', issue: 'Enter the SCIM base URL, for example https://idp.example.org/scim/v2.' });
    const withUser = await caught(e.owner.sync.testConnection({ baseUrl: e.scim.baseUrl.replace('://', '://u:p@'), token: e.scim.token }));
    expect(withUser).toMatchObject({ field: 'baseUrl', issue: 'Put the credentials in the token field, not in the address.' });
    expect(e.scim.log.length).toBe(before);
  });

  it('uses the saved token when the token field is left empty, but never sends it to another address', async () => {
    const e = await syncEnv();
    expect(await caught(e.owner.sync.testConnection({ baseUrl: e.scim.baseUrl }))).toMatchObject({ domainCode: 'VALIDATION', field: 'token', message: 'Enter the bearer token.' });
    await connect(e);
    expect((await e.owner.sync.testConnection({ baseUrl: e.scim.baseUrl })).ok).toBe(true);
    // Without input: the saved URL and token, as before.
    expect((await e.owner.sync.testConnection()).ok).toBe(true);
    const before = e.scim.log.length;
    // The same server spelled otherwise is another address as far as the saved token goes.
    const other = await caught(e.owner.sync.testConnection({ baseUrl: e.scim.baseUrl.replace('127.0.0.1', 'localhost') }));
    expect(other).toMatchObject({ domainCode: 'VALIDATION', field: 'token', message: 'You changed the URL: enter the token again (it is never sent to another server).' });
    expect(e.scim.log.length).toBe(before);
    // A token typed for the new address is tried there.
    expect((await e.owner.sync.testConnection({ baseUrl: e.scim.baseUrl.replace('127.0.0.1', 'localhost'), token: e.scim.token })).ok).toBe(true);
  });
});
