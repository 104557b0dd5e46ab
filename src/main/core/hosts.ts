import { isIPv4, isIPv6 } from 'node:net';
import { domainToASCII } from 'node:url';

/** RFC 1035 labels: 1 to 63 letters, digits or inner hyphens (punycode "xn--" labels included): servers' names and addresses' domains. */
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

export function isHostLabel(label: string): boolean {
  return LABEL.test(label);
}

/**
 * A server to connect to, as typed in a settings form: a host name (letters, digits and hyphens in
 * dot-separated labels; an internationalized name in Unicode or as punycode), an IPv4 address or an
 * IPv6 literal (bare or in brackets). Nothing else: no scheme, port, path, space or empty label.
 * Returns the host to store (a Unicode name as punycode, an IPv6 literal without brackets), or null.
 */
export function serverHost(raw: string): string | null {
  const s = raw.trim();
  if (isIPv4(s)) return s;
  const bare = s.startsWith('[') && s.endsWith(']') ? s.slice(1, -1) : s;
  if (isIPv6(bare)) return bare.toLowerCase();
  // oxlint-disable-next-line no-control-regex -- tests for non-ASCII, not for control characters.
  const ascii = /[^\x00-\x7f]/.test(s) ? domainToASCII(s) : s;
  if (!ascii || ascii.length > 253) return null;
  const labels = ascii.replace(/\.$/, '').split('.');
  // A last label of digits only would be read as a (malformed) IPv4 address.
  if (!labels.every(isHostLabel) || /^\d+$/.test(labels[labels.length - 1]!)) return null;
  return ascii;
}
