import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SECRET_KEY_FILE } from '../../../src/main/mail/secrets';
import { escapeHtml, formatExpiry, renderMail } from '../../../src/main/mail/templates';
import { classifySmtpError, parseSmtpUrl } from '../../../src/main/mail/transport';
import { smtpFromEnv } from '../../../src/main/runtime';
import { caught, OWNER_EMAIL, PASSWORD, tokenOf, type Caller } from '../helpers';
import { createMailEnv, mailTestLifecycle, type MailEnv, type TestSmtp } from './smtp';
import { inviteeDoor } from '../invitee-door';

const open = mailTestLifecycle(afterEach);

async function setup(): Promise<{ env: MailEnv; smtp: TestSmtp; owner: Caller }> {
  const { env, smtp } = await open({ auth: { user: 'roster', pass: 's3cret pass' } }, () => createMailEnv(null));
  const owner = env.caller();
  await owner.auth.register({ organizationName: 'Acme', email: OWNER_EMAIL, password: PASSWORD });
  return { env, smtp, owner };
}

const settings = (port: number, extra: Record<string, unknown> = {}) => ({
  host: '127.0.0.1',
  port,
  security: 'none' as const,
  username: 'roster',
  password: 's3cret pass',
  fromName: 'Acme Roster',
  fromAddress: 'roster@acme.test',
  ...extra,
});

describe('mail settings', () => {
  it('keeps the password encrypted, never returns it, and sends a test mail', async () => {
    const { env, smtp, owner } = await setup();
    expect((await owner.mail.getSettings()).source).toBe('none');
    expect((await caught(owner.mail.sendTest({}))).domainCode).toBe('MAIL_NOT_CONFIGURED');

    const saved = await owner.mail.updateSettings(settings(smtp.port));
    expect(saved).toMatchObject({ source: 'organization', host: '127.0.0.1', hasPassword: true, username: 'roster', fromAddress: 'roster@acme.test' });
    expect(JSON.stringify(await owner.mail.getSettings())).not.toContain('s3cret');
    const row = await env.store.db.selectFrom('mail_settings').selectAll().executeTakeFirstOrThrow();
    expect(row.password_enc).toMatch(/^aesgcm1:/);
    expect(row.password_enc).not.toContain('s3cret');
    if (process.platform !== 'win32') expect(statSync(join(env.dir, SECRET_KEY_FILE)).mode & 0o777).toBe(0o600);
    // Saving without a password keeps the stored one.
    const { password: _omit, ...withoutPassword } = settings(smtp.port, { fromName: 'Acme People' });
    expect((await owner.mail.updateSettings(withoutPassword)).hasPassword).toBe(true);

    const sent = await owner.mail.sendTest({});
    expect(sent.to).toBe(OWNER_EMAIL);
    expect(smtp.received.map((m) => [m.to[0], m.subject])).toEqual([[OWNER_EMAIL, 'Roster test mail for Acme']]);
    expect(smtp.received[0]!.raw).toContain('From: Acme People <roster@acme.test>');
  });

  it('never hands the stored password to another server: changing the host asks for it again', async () => {
    const { smtp, owner } = await setup();
    await owner.mail.updateSettings(settings(smtp.port));
    const { password: _omit, ...moved } = settings(smtp.port, { host: 'evil.example' });
    const err = await caught(owner.mail.updateSettings(moved));
    expect(err.message).toContain('enter the password again');
    expect((await owner.mail.getSettings()).host).toBe('127.0.0.1');
  });

  it('says what is wrong: authentication refused, host unreachable, TLS failed', async () => {
    const { smtp, owner } = await setup();
    await owner.mail.updateSettings(settings(smtp.port, { password: 'wrong' }));
    const auth = await caught(owner.mail.sendTest({}));
    expect(auth.domainCode).toBe('MAIL_FAILED');
    expect(auth.message).toContain('Authentication refused by 127.0.0.1');

    await owner.mail.updateSettings(settings(smtp.port, { security: 'tls' }));
    const tls = await caught(owner.mail.sendTest({}));
    expect(tls.message).toContain('TLS failed with 127.0.0.1');

    await smtp.down();
    await owner.mail.updateSettings(settings(smtp.port));
    const down = await caught(owner.mail.sendTest({}));
    expect(down.message).toContain(`Cannot reach 127.0.0.1:${smtp.port}`);
  });

  it('refuses header values with line breaks and explains fields', async () => {
    const { owner } = await setup();
    const err = await caught(owner.mail.updateSettings(settings(25, { fromName: 'Acme\r\nBcc: x@example.org' })));
    expect(err.code).toBe('BAD_REQUEST');
    expect(err.message).toContain('line breaks');
    expect((await caught(owner.mail.updateSettings(settings(70000)))).message).toContain('1 to 65535');
  });

  it('takes only a server name, an IPv4 or an IPv6 address as the host; the port goes in Port', async () => {
    const { owner } = await setup();
    for (const host of ['exa mple..com', 'smtp://host:25', 'smtp.example.com:25', 'a..b', '-smtp.example.com', 'smtp.example.com/x', 'user@smtp.example.com', '1.2.3', '[::1']) {
      const err = await caught(owner.mail.updateSettings(settings(25, { host })));
      expect(err.domainCode, host).toBe('VALIDATION');
      expect(err.issue, host).toBe("Type the server's name only, e.g. smtp.example.com (the port goes in Port).");
      expect(err.field, host).toBe('host');
    }
    expect((await owner.mail.getSettings()).source).toBe('none');
    // Names (an internationalized one kept as punycode, what the connection uses), IPv4 and IPv6 literals.
    for (const [host, stored] of [['smtp.example.com', 'smtp.example.com'], ['localhost', 'localhost'], ['  10.0.0.5 ', '10.0.0.5'], ['mail.müller.test', 'mail.xn--mller-kva.test'], ['mail.xn--mller-kva.test', 'mail.xn--mller-kva.test'], ['::1', '::1'], ['[FE80::1]', 'fe80::1']])
      expect((await owner.mail.updateSettings(settings(25, { host }))).host, host).toBe(stored);
  });

  it('sends the test mail to an internationalized address, as invitations accept it', async () => {
    const { smtp, owner } = await setup();
    await owner.mail.updateSettings(settings(smtp.port));
    expect((await owner.mail.sendTest({ to: 'a@müller.test' })).to).toBe('a@müller.test');
    // Sent as typed, as invitations are.
    expect(smtp.received.map((m) => m.to)).toEqual([['a@müller.test']]);
    const err = await caught(owner.mail.sendTest({ to: 'not an address' }));
    expect(err.domainCode).toBe('VALIDATION');
    expect(err.field).toBe('to');
  });

  it('starts sending queued mail once settings are saved', async () => {
    const { env, smtp, owner } = await setup();
    const roleId = (await owner.roles.list()).find((r) => r.name === 'Admin')!.id;
    await owner.members.invite({ entries: [{ email: 'later@example.org' }], grants: { roleIds: [roleId] } });
    expect(await env.mail.sender.drainAll()).toMatchObject({ claimed: 0 });
    await owner.mail.updateSettings(settings(smtp.port));
    await smtp.waitFor(1);
    expect(smtp.received[0]!.to).toEqual(['later@example.org']);
  });
});

describe('export of pending links without SMTP', () => {
  it('issues new working links as CSV and a printable sheet with QR codes; emailed links keep working', async () => {
    const { env, owner } = await setup();
    const roleId = (await owner.roles.list()).find((r) => r.name === 'Admin')!.id;
    await owner.members.invite({ entries: [{ email: 'frank@example.org', name: '=cmd|<script>' }, { email: 'gina@example.org' }], grants: { roleIds: [roleId] } });
    const queued = await env.store.db.selectFrom('mail_outbox').select(['recipient', 'text_body']).orderBy('id').execute();
    const emailed = /\/invite\/([A-Za-z0-9_-]{43})/.exec(queued[0]!.text_body!)![1]!;

    const out = await owner.mail.exportPendingLinks();
    expect(out.count).toBe(2);
    const lines = out.csv.trim().split('\r\n');
    expect(lines[0]).toBe('email,name,link,expires');
    expect(lines[1]).toMatch(/^"frank@example\.org","'=cmd\|<script>","http:\/\/127\.0\.0\.1:8450\/invite\/[A-Za-z0-9_-]{43}","/);
    expect(out.html.match(/<svg/g)).toHaveLength(2);
    expect(out.html).toContain('=cmd|&lt;script&gt;');
    expect(out.html).not.toContain('<script>');

    const exported = /invite\/([A-Za-z0-9_-]{43})/.exec(lines[1]!)![1]!;
    expect(exported).not.toBe(emailed);
    expect((await inviteeDoor(env).inspect({ token: emailed, purpose: 'invitation' })).email).toBe('frank@example.org');
    await inviteeDoor(env).accept({ token: tokenOf(`x/${exported}`), password: PASSWORD });
    expect((await owner.members.list({})).items.find((m) => m.email === 'frank@example.org')?.status).toBe('accepted');
  });
});

describe('configuration and templates', () => {
  it('reads ROSTER_SMTP_URL and ROSTER_MAIL_FROM', () => {
    expect(smtpFromEnv({ ROSTER_SMTP_URL: 'smtp://user:p%40ss@127.0.0.1:1025', ROSTER_MAIL_FROM: 'Acme <no-reply@acme.test>' })).toEqual({
      host: '127.0.0.1',
      port: 1025,
      security: 'none',
      username: 'user',
      password: 'p@ss',
      fromName: 'Acme',
      fromAddress: 'no-reply@acme.test',
    });
    expect(smtpFromEnv({})).toBeNull();
    expect(parseSmtpUrl('smtps://mail.acme.test', 'roster@acme.test')).toMatchObject({ security: 'tls', port: 465, username: null });
    expect(parseSmtpUrl('smtp://mail.acme.test?starttls=true', undefined)).toMatchObject({ security: 'starttls', port: 587, fromAddress: 'roster@mail.acme.test' });
    expect(() => parseSmtpUrl('http://x', undefined)).toThrow('smtp://');
    // A broken escape says which part to fix, not a bare "URI malformed".
    expect(() => parseSmtpUrl('smtp://user:50%ZZoff@mail.acme.test', undefined)).toThrow('ROSTER_SMTP_URL: the password has a broken % escape; write a literal % as %25.');
  });

  it('classifies failures: 4xx and network errors retry, 5xx is final', () => {
    expect(classifySmtpError({ responseCode: 451, response: '451 later' }).kind).toBe('retry');
    expect(classifySmtpError({ responseCode: 550, response: '550 no' }).kind).toBe('permanent');
    expect(classifySmtpError({ code: 'ECONNECTION', message: 'connect ECONNREFUSED' }).kind).toBe('retry');
    expect(classifySmtpError({ code: 'EAUTH', responseCode: 535, response: '535 bad' }).reason).toContain('Authentication refused');
  });

  it('escapes every value in HTML and shows the expiry in the organization time zone', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(formatExpiry('2026-03-01T23:30:00.000Z', 'Asia/Tokyo')).toBe('Monday 2 March 2026, 08:30 (Asia/Tokyo)');
    expect(formatExpiry('2026-03-01T23:30:00.000Z', 'Not/AZone')).toBe('Sunday 1 March 2026, 23:30 (UTC)');
    const m = renderMail({ kind: 'invitation', organizationName: '<Org>', timeZone: 'UTC', recipientName: null, inviter: 'a"b', roles: ['R&D'], url: 'http://h/invite/t?a=1&b=2', expiresAt: '2026-03-01T00:00:00.000Z' });
    expect(m.html).toContain('&lt;Org&gt;');
    expect(m.html).toContain('a&quot;b');
    expect(m.html).toContain('R&amp;D');
    expect(m.html).toContain('href="http://h/invite/t?a=1&amp;b=2"');
    expect(m.html).not.toContain('<Org>');
    expect(m.text).toContain('http://h/invite/t?a=1&b=2');
  });
});
