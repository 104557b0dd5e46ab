import { createRequire } from 'node:module';
import { domainToASCII } from 'node:url';
import { z } from 'zod';
import { firstInvisible } from '../../shared/invisible-text';
import { isHostLabel } from './hosts';

const emailSchema = z.email();

/**
 * The 121,570 disposable domains, loaded on first use and kept as one Set: off the start path (a
 * static import cost a third of start-up, copied element by element through the bundler's
 * ES-module interop helper). Loaded with a plain require, which hands over the array as it is.
 */
let disposable: Set<string> | null = null;
function disposableDomains(): Set<string> {
  if (!disposable) {
    const list = createRequire(__filename)('disposable-email-domains') as string[];
    disposable = new Set(list);
  }
  return disposable;
}

/**
 * Addresses are compared case-insensitively, with an internationalized domain in its ASCII
 * (punycode) form, so müller.test and xn--mller-kva.test are one address; we keep what the admin
 * typed for display.
 */
export function normalizeEmail(email: string): string {
  const trimmed = email.trim().toLowerCase();
  const at = trimmed.lastIndexOf('@');
  if (at < 0) return trimmed;
  const domain = trimmed.slice(at + 1);
  // oxlint-disable-next-line no-control-regex -- tests for non-ASCII, not for control characters.
  if (!/[^\x00-\x7f]/.test(domain)) return trimmed;
  const ascii = domainToASCII(domain);
  return ascii ? `${trimmed.slice(0, at)}@${ascii}` : trimmed;
}

/**
 * An invisible character (zero-width space, soft hyphen, bidi control…) makes an address invalid: the domain's
 * IDNA mapping would drop it, so the mail would go to another address than the one shown.
 */
export function isValidEmail(email: string): boolean {
  if (email.length > 254 || /[\r\n]/.test(email) || firstInvisible(email)) return false;
  const ascii = normalizeEmail(email);
  const at = ascii.lastIndexOf('@');
  const local = ascii.slice(0, at);
  const labels = ascii.slice(at + 1).split('.');
  // RFC 5321: a local part of at most 64 octets, a domain of at most 253.
  if (at < 1 || Buffer.byteLength(local) > 64 || ascii.length - at - 1 > 253) return false;
  if (labels.length < 2 || !labels.every(isHostLabel) || /^\d+$/.test(labels[labels.length - 1]!)) return false;
  return emailSchema.safeParse(ascii).success;
}

export function emailDomain(email: string): string {
  return normalizeEmail(email).split('@').pop() ?? '';
}

export function isDisposableDomain(domain: string): boolean {
  const d = domain.toLowerCase();
  const disposable = disposableDomains();
  if (disposable.has(d)) return true;
  // Subdomains of a disposable provider are disposable too.
  const parts = d.split('.');
  for (let i = 1; i < parts.length - 1; i++) if (disposable.has(parts.slice(i).join('.'))) return true;
  return false;
}

/** A domain list entry matches the domain itself and its subdomains. */
export function domainMatches(domain: string, entry: string): boolean {
  const e = entry.trim().toLowerCase().replace(/^@/, '').replace(/^\*\./, '');
  return e !== '' && (domain === e || domain.endsWith(`.${e}`));
}

export interface AddressPolicy {
  allowDomains: string[];
  denyDomains: string[];
  blockDisposable: boolean;
}

export type SkipReason =
  | 'invalid'
  | 'duplicate'
  | 'already_member'
  | 'already_invited'
  | 'disposable'
  | 'domain_not_allowed';

export const SKIP_REASON_TEXT: Record<SkipReason, string> = {
  invalid: 'Not a valid email address',
  duplicate: 'Appears more than once in the list',
  already_member: 'Already a member of this organization',
  already_invited: 'Already invited: resend instead',
  disposable: 'Disposable addresses are not allowed',
  domain_not_allowed: "Domain not allowed by the organization's domain list",
};

export function policyProblem(email: string, policy: AddressPolicy): SkipReason | null {
  const domain = emailDomain(email);
  if (policy.denyDomains.some((d) => domainMatches(domain, d))) return 'domain_not_allowed';
  if (policy.allowDomains.length > 0 && !policy.allowDomains.some((d) => domainMatches(domain, d)))
    return 'domain_not_allowed';
  if (policy.blockDisposable && isDisposableDomain(domain)) return 'disposable';
  return null;
}

/** Splits a pasted list: commas, semicolons, whitespace or new lines; "Name <a@b.c>" keeps the address. */
export function splitAddressList(text: string): string[] {
  return text
    .split(/[,;\n\r\t]+/)
    .map((s) => s.trim())
    .filter(Boolean)
    .flatMap((s) => {
      const angle = /<([^<>]+)>/.exec(s);
      if (angle) return [angle[1]!.trim()];
      return s.split(/\s+/).filter(Boolean);
    });
}
