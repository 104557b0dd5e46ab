/**
 * The limits of one invite entry and of a batch, shared by the server (which skips a bad entry with its reason)
 * and the invite dialog (which checks each CSV row first and labels a bad one with the file's line number).
 */

import { displayTextProblem } from './invisible-text';

/** The most addresses one invite batch (and one CSV file) may hold. */
export const MAX_INVITE_BATCH = 200_000;
export const MAX_EMAIL_LENGTH = 320;
export const MAX_NAME_LENGTH = 200;
export const MAX_PHONE_LENGTH = 40;
export const MAX_ROLE_LENGTH = 100;
/**
 * What the router accepts per field at most (ten times the limit): a longer value is refused with the request,
 * a value between the limit and this bound is answered per entry (skipped with its reason). The dialog never
 * sends a value over the limit.
 */
export const HARD_FIELD_BOUND = 10;

export interface EntryFields {
  email: string;
  name?: string | null;
  phone?: string | null;
  role?: string | null;
}

/** Why an entry's fields cannot be invited (a sentence starting lowercase, e.g. "the name is longer than 200 characters"), or null. */
export function entryProblem(entry: EntryFields): string | null {
  const email = entry.email.trim();
  if (!email) return 'there is no email address';
  if (email.length > MAX_EMAIL_LENGTH) return `the email address is longer than ${MAX_EMAIL_LENGTH} characters`;
  const name = entry.name?.trim() ?? '';
  if (name.length > MAX_NAME_LENGTH) return `the name is longer than ${MAX_NAME_LENGTH} characters`;
  if (/[\r\n]/.test(name)) return 'the name contains a line break';
  const display = displayTextProblem(name);
  if (display) return `${display.charAt(0).toLowerCase()}${display.slice(1).replace(/\.$/, '')}`;
  const phone = entry.phone?.trim() ?? '';
  if (phone.length > MAX_PHONE_LENGTH) return `the phone number is longer than ${MAX_PHONE_LENGTH} characters`;
  if (/[\r\n]/.test(phone)) return 'the phone number contains a line break';
  const role = entry.role?.trim() ?? '';
  if (role.length > MAX_ROLE_LENGTH) return `the role name is longer than ${MAX_ROLE_LENGTH} characters`;
  if (/[\r\n]/.test(role)) return 'the role name contains a line break';
  return null;
}

/** "the name is …" → "The name is …". */
export const sentence = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** The refusal of a file (or list) over the batch limit, said before parsing it all. */
export function overLimitText(rows: number, exact: boolean): string {
  const n = exact ? rows : roundAbout(rows);
  return `This file has ${exact ? '' : 'about '}${n.toLocaleString('en-US')} rows; Roster imports at most ${MAX_INVITE_BATCH.toLocaleString('en-US')} per batch: split it`;
}

/** Two significant digits: 903,114 → 900,000; 212,345 → 210,000. */
function roundAbout(n: number): number {
  if (n < 100) return Math.round(n);
  const scale = 10 ** (Math.floor(Math.log10(n)) - 1);
  return Math.round(n / scale) * scale;
}
