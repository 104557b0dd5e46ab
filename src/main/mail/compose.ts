import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type MimeNodeClass from 'nodemailer/lib/mime-node';
import type * as Qp from 'nodemailer/lib/qp';

/**
 * Builds an outbox mail's whole message (headers and a text + HTML alternative) as one string, with
 * nodemailer's own header and Quoted-Printable encoders, and the SMTP envelope from its headers.
 * nodemailer's composer does the same through a stream pipeline per part; for a mail whose parts are
 * strings already, the string is a fraction of the CPU, and the sender hands it over as `raw`.
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

let lib: { MimeNode: typeof MimeNodeClass; qp: typeof Qp } | null = null;

/** nodemailer is loaded with the first mail, not at start-up (as in transport.ts). */
function nodemailerParts(): { MimeNode: typeof MimeNodeClass; qp: typeof Qp } {
  if (!lib) {
    const load = createRequire(__filename);
    lib = { MimeNode: load('nodemailer/lib/mime-node') as typeof MimeNodeClass, qp: load('nodemailer/lib/qp') as typeof Qp };
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

/** A node's headers, a blank line and its content in its transfer encoding (children for a multipart node). */
function serialize(node: MimeNodeClass, content: Map<MimeNodeClass, string>, qp: typeof Qp): string {
  // buildHeaders settles the transfer encoding and, for a multipart node, its boundary.
  let out = node.buildHeaders() + '\r\n\r\n';
  const body = content.get(node);
  if (body !== undefined) {
    const encoding = node.getTransferEncoding();
    if (encoding === 'quoted-printable') out += qp.wrap(qp.encode(body), 76);
    else if (encoding === 'base64') out += Buffer.from(body, 'utf-8').toString('base64').replace(/.{76}/g, '$&\r\n');
    else out += body;
  }
  if (node.multipart) {
    node.childNodes.forEach((child, i) => {
      out += (i > 0 ? '\r\n' : '') + '--' + String(node.boundary) + '\r\n' + serialize(child, content, qp);
    });
    out += '\r\n--' + String(node.boundary) + '--\r\n';
  }
  return out;
}

export function composeMail(parts: MailParts): ComposedMail {
  const { MimeNode, qp } = nodemailerParts();
  const content = new Map<MimeNodeClass, string>();
  const leaf = (node: MimeNodeClass, body: string) => {
    node.setContent(body);
    content.set(node, body);
  };
  const options = { disableFileAccess: true, disableUrlAccess: true, baseBoundary: boundaryBase() };
  let root: MimeNodeClass;
  if (parts.html !== null) {
    root = new MimeNode('multipart/alternative', options);
    leaf(root.createChild('text/plain; charset=utf-8', options), parts.text);
    leaf(root.createChild('text/html; charset=utf-8', options), parts.html);
  } else {
    root = new MimeNode('text/plain; charset=utf-8', options);
    leaf(root, parts.text);
  }
  root.setHeader('From', parts.from);
  root.setHeader('To', parts.to);
  root.setHeader('Subject', parts.subject);
  root.setHeader('Message-ID', parts.messageId);
  root.setHeader('Date', parts.date.toUTCString().replace(/GMT/, '+0000'));
  const raw = serialize(root, content, qp);
  return { envelope: root.getEnvelope(), raw };
}
