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

/** Characters a link's path cannot hold as typed (WHATWG URL would percent-encode them out of sight). */
const UNSAFE_IN_LINK = /[\s"<>\\^`{|}]/;

/**
 * The public address every mailed link starts with (Settings → invitee pages): http(s), a real host
 * (serverHost's rules) and an optional port 1–65535 and path; no user name or password (every link
 * would carry them), no ? or # (links append /invite/… after the address: after a ? or # the token
 * lands in a query or fragment and the page is never reached). Returns the address to store (host
 * lowercased, punycode, default port dropped, no trailing slash) or the problem to show.
 */
export function publicBaseUrl(raw: string): { url: string } | { problem: string } {
  const s = raw.trim();
  const example = 'e.g. https://roster.example.com or https://intranet.example.com/roster';
  if (!/^https?:\/\//i.test(s)) return { problem: `The public address must start with https:// or http:// (${example}).` };
  if (UNSAFE_IN_LINK.test(s)) return { problem: 'The public address contains a space or a character a link cannot hold (" < > \\ ^ ` { | }).' };
  if (/[?#]/.test(s)) return { problem: `The public address ends at its path: remove the ? or # and what follows (${example}).` };
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return { problem: `The public address is not a valid web address: check the host and the port (1 to 65535), ${example}.` };
  }
  if (url.username || url.password) return { problem: 'Leave the user name and password out of the public address: every mailed link would carry them.' };
  if (!serverHost(url.hostname)) return { problem: `"${url.hostname}" is not a host name or IP address (${example}).` };
  return { url: `${url.origin}${url.pathname.replace(/\/+$/, '')}` };
}
