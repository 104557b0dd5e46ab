import { z } from 'zod';
import disposableDomains from 'disposable-email-domains';

const emailSchema = z.email();
const disposable = new Set<string>(disposableDomains as string[]);

/** Addresses are compared case-insensitively; we keep what the admin typed for display. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function isValidEmail(email: string): boolean {
  return email.length <= 254 && !/[\r\n]/.test(email) && emailSchema.safeParse(email).success;
}

export function emailDomain(email: string): string {
  return normalizeEmail(email).split('@').pop() ?? '';
}

export function isDisposableDomain(domain: string): boolean {
  const d = domain.toLowerCase();
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
