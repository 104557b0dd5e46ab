/**
 * Address lines as admins type or paste them into the invite dialog:
 * "ada@x.org", "Ada Lovelace <ada@x.org>", "ada@x.org, Ada Lovelace", "ada@x.org<TAB>Ada Lovelace"
 * (a spreadsheet row), or several addresses on one line. Pure: used by the dialog and its test.
 */

import { invisibleAddressProblem } from './invisible-text';

export interface AddressLine {
  email: string;
  name: string | null;
}

/** The same practical rule the server checks (zod's email), so chips are marked before the preview. */
const EMAIL = /^(?:[A-Za-z0-9_'+-]+\.)*[A-Za-z0-9_'+-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9-]*\.)+[A-Za-z]{2,}$/;

export const NON_ASCII_ADDRESS_TEXT = 'Addresses with non-ASCII characters (such as é or ü) are not supported';
export const INVALID_ADDRESS_TEXT = 'Not a valid email address';

/** Why an address cannot be invited, or null when it looks fine. */
export function addressProblem(email: string): string | null {
  const e = email.trim();
  const invisible = invisibleAddressProblem(e);
  if (invisible) return invisible;
  // eslint-disable-next-line no-control-regex
  if (/[^\x00-\x7F]/.test(e)) return NON_ASCII_ADDRESS_TEXT;
  if (e.length > 254 || !EMAIL.test(e)) return INVALID_ADDRESS_TEXT;
  return null;
}

const cleanName = (s: string): string | null => {
  const n = s.trim().replace(/^["'\s]+|["'\s]+$/g, '').replace(/\s+/g, ' ');
  return n === '' ? null : n;
};

function parseLine(line: string): AddressLine[] {
  // "Name <address>" forms, possibly several on the line.
  if (/<[^<>]+>/.test(line)) {
    const out: AddressLine[] = [];
    for (const m of line.matchAll(/([^<>]*)<([^<>]+)>/g)) {
      out.push({ email: m[2]!.trim(), name: cleanName(m[1]!.replace(/^[\s,]+/, '')) });
    }
    return out;
  }
  const out: AddressLine[] = [];
  let nameBefore: string | null = null;
  const parts = line.split(/[,\t]+/).map((p) => p.trim()).filter(Boolean);
  for (const part of parts) {
    const tokens = part.split(/\s+/);
    const emails = tokens.filter((t) => t.includes('@'));
    const words = tokens.filter((t) => !t.includes('@'));
    if (emails.length === 0) {
      const last = out[out.length - 1];
      // A name beside an address: after it ("ada@x.org, Ada") or before it ("Ada, ada@x.org").
      if (last && last.name === null) last.name = cleanName(part);
      else if (out.length === 0 && nameBefore === null && parts.length > 1) nameBefore = cleanName(part);
      else out.push({ email: part, name: null });
      continue;
    }
    if (emails.length === 1) {
      out.push({ email: emails[0]!, name: cleanName(words.join(' ')) ?? nameBefore });
      nameBefore = null;
      continue;
    }
    // Several addresses separated by spaces: each on its own; stray words are kept as entries to flag.
    for (const t of tokens) out.push({ email: t, name: null });
  }
  if (nameBefore !== null && out.length === 0) out.push({ email: nameBefore, name: null });
  return out;
}

/** Splits typed or pasted text into addresses with optional names: one entry per address, in order. */
export function parseAddressLines(text: string): AddressLine[] {
  return text
    .split(/[\n\r;]+/)
    .map((l) => l.trim())
    .filter(Boolean)
    .flatMap(parseLine)
    .filter((a) => a.email !== '');
}

/** How a parsed address reads on a chip: "Ada Lovelace <ada@x.org>" or just the address. */
export function addressLabel(a: AddressLine): string {
  return a.name ? `${a.name} <${a.email}>` : a.email;
}
