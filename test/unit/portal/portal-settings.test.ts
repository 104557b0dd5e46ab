import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPortalHost } from '../../../src/main/portal/server';
import { createEnv, invite, registerOwner, type Caller, type TestEnv } from '../helpers';

let env: TestEnv;
let owner: Caller;

beforeAll(async () => {
  env = await createEnv();
  owner = (await registerOwner(env)).caller;
});
afterAll(() => env.close());

describe('invitee pages settings', () => {
  it('defaults to 127.0.0.1:8450; a public address changes the links that are mailed', async () => {
    const s = await owner.portal.settings();
    expect(s).toMatchObject({ host: '127.0.0.1', port: 8450, publicBaseUrl: null });
    await owner.portal.updateSettings({ host: '127.0.0.1', port: 8450, publicBaseUrl: 'https://join.acme.test/' });
    const id = await invite(owner, 'links@acme.test', 'Member');
    const { url } = await owner.members.copyInviteLink({ id });
    expect(url).toMatch(/^https:\/\/join\.acme\.test\/invite\/[A-Za-z0-9_-]{43}$/);
  });

  it('never saves a public address that would break or leak through every mailed link', async () => {
    const before = await owner.portal.settings();
    await expect(owner.portal.updateSettings({ host: '127.0.0.1', port: 8450, publicBaseUrl: 'https://user:pass@join.acme.test' })).rejects.toThrow('Leave the user name and password out');
    await expect(owner.portal.updateSettings({ host: '127.0.0.1', port: 8450, publicBaseUrl: 'https://join.acme.test#' })).rejects.toThrow('remove the ? or #');
    expect(await owner.portal.settings()).toEqual(before);
  });

  it('refuses to listen beyond loopback without HTTPS, and says what to give', async () => {
    await expect(owner.portal.updateSettings({ host: '0.0.0.0', port: 8450 })).rejects.toThrow('must be served over HTTPS');
    await expect(owner.portal.updateSettings({ host: '0.0.0.0', port: 8450, tlsCertPath: '/nope/cert.pem', tlsKeyPath: '/nope/key.pem' })).rejects.toThrow('cannot read /nope/cert.pem');
    await expect(owner.portal.updateSettings({ host: '127.0.0.1', port: 70000 })).rejects.toThrow('Ports go from 1 to 65535');
  });

  it('the portal host listens where settings say, moves only once the new address works, and never saves one that cannot', async () => {
    const { createServer } = await import('node:http');
    await owner.portal.updateSettings({ host: '127.0.0.1', port: 18451 });
    const host = createPortalHost(env.services);
    env.services.portalHost = host;
    const base = await host.start();
    expect(base).toBe('http://127.0.0.1:18451');
    expect((await fetch(`${base}/invite/${'C'.repeat(43)}`)).status).toBe(410);

    await owner.portal.updateSettings({ host: '127.0.0.1', port: 18452 });
    expect((await fetch('http://127.0.0.1:18452/portal/style.css')).status).toBe(200);
    await expect(fetch('http://127.0.0.1:18451/portal/style.css')).rejects.toThrow();

    // Another program holds the port: refused, nothing saved, the pages stay where they were.
    const squatter = createServer(() => undefined);
    await new Promise<void>((r) => squatter.listen(18453, '127.0.0.1', r));
    await expect(owner.portal.updateSettings({ host: '127.0.0.1', port: 18453 })).rejects.toThrow('another program uses that port');
    expect(env.services.portal.current.port).toBe(18452);
    expect((await fetch('http://127.0.0.1:18452/portal/style.css')).status).toBe(200);
    squatter.close();

    // Saving the same address again hands the port over without losing it.
    await owner.portal.updateSettings({ host: '127.0.0.1', port: 18452, publicBaseUrl: null });
    expect((await fetch('http://127.0.0.1:18452/portal/style.css')).status).toBe(200);
    await host.stop();
    env.services.portalHost = undefined;
  });

  it('accepts a readable certificate and key for HTTPS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roster-tls-'));
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    writeFileSync(join(dir, 'key.pem'), privateKey);
    writeFileSync(join(dir, 'cert.pem'), 'placeholder: only readability is checked here');
    const saved = await owner.portal.updateSettings({ host: '0.0.0.0', port: 8443, tlsCertPath: join(dir, 'cert.pem'), tlsKeyPath: join(dir, 'key.pem'), publicBaseUrl: null });
    expect(saved.host).toBe('0.0.0.0');
    expect(env.services.portal.baseUrl()).toBe('https://127.0.0.1:8443');
  });
});
