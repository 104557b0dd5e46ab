import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type MimeNodeClass from 'nodemailer/lib/mime-node';
import type * as MimeFuncs from 'nodemailer/lib/mime-funcs';
import type * as Qp from 'nodemailer/lib/qp';

/**
 * Builds an outbox mail's whole message (headers and a text + HTML alternative) as one string, with
 * nodemailer's own header, address and Quoted-Printable encoders and its rules for choosing a
 * transfer encoding, and the SMTP envelope from its headers; byte for byte what nodemailer's
 * MimeNode tree builds for the same parts. The tree (a node per part, a header list normalised on
 * every lookup) was a quarter of a drain's CPU: here the header values are encoded by one node kept
 * for that, the From and Subject of a run of mails once, and the parts are written as strings.
 */
export interface ComposedMail {
  envelope: { from: string | false; to: string[] };
  raw: string;
}

export interface MailParts {
  from: { name: string; address: string } | string;
  to: { name: string; address: string } | string;
  subject: string;
  text: string;
  html: string | null;
  messageId: string;
  date: Date;
}

interface Lib {
  encoder: MimeNodeClass;
  funcs: typeof MimeFuncs;
  qp: typeof Qp;
}

let lib: Lib | null = null;

/** nodemailer is loaded with the first mail, not at start-up (as in transport.ts). */
function nodemailerParts(): Lib {
  if (!lib) {
    const load = createRequire(__filename);
    const MimeNode = load('nodemailer/lib/mime-node') as typeof MimeNodeClass;
    lib = { encoder: new MimeNode(false), funcs: load('nodemailer/lib/mime-funcs') as typeof MimeFuncs, qp: load('nodemailer/lib/qp') as typeof Qp };
  }
  return lib;
}

let entropy = Buffer.alloc(0);
let entropyAt = 0;

/**
 * The random part of a message's MIME boundary (8 bytes, as nodemailer's own), cut from a pool: a
 * synchronous randomBytes call for each part of each mail was a tenth of a drain's CPU.
 */
function boundaryBase(): string {
  if (entropyAt + 8 > entropy.length) {
    entropy = randomBytes(8 * 512);
    entropyAt = 0;
  }
  entropyAt += 8;
  return entropy.toString('hex', entropyAt - 8, entropyAt);
}

/** An encoded header (MimeNode's rules for that header): its line folded at 76 as MimeNode folds it, and the value unfolded. */
interface Header {
  line: string;
  value: string;
}

function header(l: Lib, key: string, value: MailParts['from'] | string): Header {
  const encoded = l.encoder.encodeHeaderValue(key, value);
  return { line: l.funcs.foldLines(`${key}: ${encoded}`, 76), value: encoded };
}

/** From and Subject of recent mails: a drain sends runs of mails with the same sender and subject. */
const repeated = new Map<string, Header>();

function repeatedHeader(l: Lib, key: string, value: MailParts['from'] | string): Header {
  const cacheKey = key + '\n' + (typeof value === 'string' ? value : `${value.name}\n${value.address}`);
  let h = repeated.get(cacheKey);
  if (h === undefined) {
    h = header(l, key, value);
    if (repeated.size >= 256) repeated.clear();
    repeated.set(cacheKey, h);
  }
  return h;
}

/** The one address of an encoded From or To value (`addr`, `<addr>` or `name <addr>`), as MimeNode's getEnvelope reads it. */
function addressOf(value: string): string {
  const open = value.lastIndexOf('<');
  return open >= 0 && value.endsWith('>') ? value.slice(open + 1, -1) : value;
}

/** MimeNode's choice for a text part: 7bit when plain with short lines, else Quoted-Printable when mostly Latin letters, else base64. */
function transferEncoding(l: Lib, body: string): '7bit' | 'quoted-printable' | 'base64' {
  if (l.funcs.isPlainText(body) && !l.funcs.hasLongerLines(body, 76)) return '7bit';
  let nonLatin = 0;
  let latin = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (c <= 0x08 || c === 0x0b || c === 0x0c || (c >= 0x0e && c <= 0x1f) || c >= 0x80) nonLatin++;
    else if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) latin++;
  }
  return nonLatin < latin ? 'quoted-printable' : 'base64';
}

function encodedBody(l: Lib, body: string, encoding: '7bit' | 'quoted-printable' | 'base64'): string {
  if (encoding === 'quoted-printable') return l.qp.wrap(l.qp.encode(body), 76);
  if (encoding === 'base64') return Buffer.from(body, 'utf-8').toString('base64').replace(/.{76}/g, '$&\r\n');
  return body;
}

/** A text part: its headers, a blank line and its content in its transfer encoding. */
function textPart(l: Lib, type: 'text/plain' | 'text/html', body: string): string {
  const encoding = transferEncoding(l, body);
  return `Content-Type: ${type}; charset=utf-8\r\nContent-Transfer-Encoding: ${encoding}\r\n\r\n${encodedBody(l, body, encoding)}`;
}

export function composeMail(parts: MailParts): ComposedMail {
  const l = nodemailerParts();
  const from = repeatedHeader(l, 'From', parts.from);
  const to = header(l, 'To', parts.to);
  const head =
    `${from.line}\r\n${to.line}\r\n${repeatedHeader(l, 'Subject', parts.subject).line}\r\n` +
    `${header(l, 'Message-ID', parts.messageId).line}\r\nDate: ${parts.date.toUTCString().replace(/GMT/, '+0000')}\r\n`;
  const envelope = { from: addressOf(from.value) || (false as const), to: [addressOf(to.value)] };
  if (parts.html === null) {
    const encoding = transferEncoding(l, parts.text);
    const raw = `${head}Content-Transfer-Encoding: ${encoding}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${encodedBody(l, parts.text, encoding)}`;
    return { envelope, raw };
  }
  const boundary = `--_NmP-${boundaryBase()}-Part_1`;
  const raw =
    `${head}MIME-Version: 1.0\r\n${l.funcs.foldLines(`Content-Type: multipart/alternative; boundary="${boundary}"`, 76)}\r\n\r\n` +
    `--${boundary}\r\n${textPart(l, 'text/plain', parts.text)}\r\n` +
    `--${boundary}\r\n${textPart(l, 'text/html', parts.html)}\r\n` +
    `--${boundary}--\r\n`;
  return { envelope, raw };
}
