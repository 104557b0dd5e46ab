import { describe, expect, it } from 'vitest';
import { composeMail } from '../../../src/main/mail/compose';
import { decodeQuotedPrintable } from '../../support/smtp';

/** RFC 2047 encoded words (=?UTF-8?Q?…?= and =?UTF-8?B?…?=) back to text. */
function decodeWords(value: string): string {
  // Whitespace between two encoded words is not part of the text.
  return value.replace(/(\?=)\s+(?==\?)/g, '$1').replace(/=\?UTF-8\?([QB])\?([^?]*)\?=/gi, (_, kind: string, text: string) =>
    kind.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64').toString('utf-8')
      : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf-8'),
  );
}

function headerOf(raw: string, name: string): string {
  const head = raw.split('\r\n\r\n')[0]!.replace(/\r\n[ \t]+/g, ' ');
  return new RegExp(`^${name}: (.*)$`, 'im').exec(head)?.[1] ?? '';
}

describe('the message the outbox hands to SMTP', () => {
  const long = 'Bienvenue chez Société Générale, où vous êtes invitée. '.repeat(40);
  const mail = composeMail({
    from: { name: 'Roster für Ärzte', address: 'roster@acme.test' },
    to: { name: 'Zoë "Zo" Ångström', address: 'zoe@example.org' },
    subject: 'Invitation à rejoindre Acme — accepter avant vendredi',
    text: `Bonjour Zoë,\n\n${long}\n\nhttps://roster.acme.test/i/abc?x=1&y=2\n`,
    html: `<p>Bonjour Zoë,</p><p>${long}</p><p><a href="https://roster.acme.test/i/abc?x=1&amp;y=2">Accepter</a></p>`,
    messageId: '<1b2c3d@acme.test>',
    date: new Date('2026-12-06T08:00:00.000Z'),
  });

  it('carries the names, subject, Message-ID and date, encoded for any mail reader', () => {
    expect(decodeWords(headerOf(mail.raw, 'From'))).toBe('Roster für Ärzte <roster@acme.test>');
    expect(decodeWords(headerOf(mail.raw, 'To'))).toBe('Zoë "Zo" Ångström <zoe@example.org>');
    expect(decodeWords(headerOf(mail.raw, 'Subject'))).toBe('Invitation à rejoindre Acme — accepter avant vendredi');
    expect(headerOf(mail.raw, 'Message-ID')).toBe('<1b2c3d@acme.test>');
    expect(headerOf(mail.raw, 'Date')).toBe('Sun, 06 Dec 2026 08:00:00 +0000');
    expect(mail.envelope).toEqual({ from: 'roster@acme.test', to: ['zoe@example.org'] });
    // Headers are plain ASCII, as RFC 5322 asks.
    expect(/^[\x20-\x7e\r\n\t]*$/.test(mail.raw.split('\r\n\r\n')[0]!)).toBe(true);
  });

  it('holds the text and the HTML as alternatives, each readable back exactly, with no line over 78 characters', () => {
    expect(headerOf(mail.raw, 'Content-Type')).toMatch(/^multipart\/alternative; boundary="([^"]+)"$/);
    const boundary = /boundary="([^"]+)"/.exec(headerOf(mail.raw, 'Content-Type'))![1]!;
    const parts = mail.raw.split(`--${boundary}`).slice(1, 3);
    expect(parts).toHaveLength(2);
    const [text, html] = parts.map((p) => {
      const [head, ...body] = p.replace(/^\r\n/, '').split('\r\n\r\n');
      return { head: head!, body: Buffer.from(decodeQuotedPrintable(body.join('\r\n\r\n').replace(/\r\n$/, '')), 'latin1').toString('utf-8') };
    });
    expect(text!.head).toContain('text/plain; charset=utf-8');
    expect(text!.body).toBe(`Bonjour Zoë,\n\n${long}\n\nhttps://roster.acme.test/i/abc?x=1&y=2\n`);
    expect(html!.head).toContain('text/html; charset=utf-8');
    expect(html!.body).toContain('<a href="https://roster.acme.test/i/abc?x=1&amp;y=2">Accepter</a>');
    expect(mail.raw.endsWith(`--${boundary}--\r\n`)).toBe(true);
    for (const line of mail.raw.split(/\r?\n/)) expect(line.length).toBeLessThanOrEqual(78);
  });

  it('gives every message its own boundary', () => {
    const again = composeMail({ from: 'roster@acme.test', to: 'a@example.org', subject: 'Hi', text: 'x', html: '<p>x</p>', messageId: '<2@acme.test>', date: new Date() });
    const b1 = /boundary="([^"]+)"/.exec(mail.raw)![1];
    const b2 = /boundary="([^"]+)"/.exec(again.raw)![1];
    expect(b1).not.toBe(b2);
  });

  it('sends a mail without HTML as plain text alone', () => {
    const plain = composeMail({ from: 'roster@acme.test', to: 'a@example.org', subject: 'Test', text: 'Hello\n', html: null, messageId: '<3@acme.test>', date: new Date() });
    expect(headerOf(plain.raw, 'Content-Type')).toBe('text/plain; charset=utf-8');
    expect(plain.raw.split('\r\n\r\n')[1]).toBe('Hello\n');
  });

  it('takes the envelope from the encoded headers, also when the To line folds or the domain is international', () => {
    const to = (address: string) =>
      composeMail({ from: { name: 'Roster', address: 'roster@acme.test' }, to: { name: 'Zoë Ångström with a rather long name indeed', address }, subject: 'Hi', text: 'x', html: null, messageId: '<4@acme.test>', date: new Date() });
    const quoted = to('"quoted local"@example.com');
    expect(quoted.envelope).toEqual({ from: 'roster@acme.test', to: ['"quoted local"@example.com'] });
    expect(headerOf(quoted.raw, 'To')).toContain('<"quoted local"@example.com>');
    expect(to('user@bücher.de').envelope).toEqual({ from: 'roster@acme.test', to: ['user@xn--bcher-kva.de'] });
  });
});
