import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hashToken } from '../core/tokens';
import type { Db } from '../db/database';
import { incrementCounter } from '../db/repos/guesses.repo';

export const PORTAL_CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export function portalHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', PORTAL_CSP);
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
}

const CSRF_COOKIE = 'roster_portal_csrf';

function readCookie(req: IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return null;
}

/**
 * Double-submit CSRF protection: a random value in a SameSite=Strict cookie and in each form;
 * a POST must carry both, equal. Forms on other sites can set neither.
 */
export function csrfToken(req: IncomingMessage, res: ServerResponse): string {
  const existing = readCookie(req, CSRF_COOKIE);
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
  const token = randomBytes(32).toString('base64url');
  res.appendHeader('Set-Cookie', `${CSRF_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`);
  return token;
}

export function csrfValid(req: IncomingMessage, submitted: string | undefined): boolean {
  const cookie = readCookie(req, CSRF_COOKIE);
  if (!cookie || !submitted) return false;
  const a = Buffer.from(cookie);
  const b = Buffer.from(submitted);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Where an invitee's request comes from: the socket's address, or, only when that socket is a
 * reverse proxy the install trusts (ROSTER_TRUSTED_PROXIES, comma-separated addresses), the last
 * address the proxy put in X-Forwarded-For. Otherwise everyone behind the proxy shares one budget,
 * and a header from anyone else is ignored (it could name any address).
 */
export function clientAddress(req: IncomingMessage, trusted: string[] = trustedProxies()): string {
  const socket = req.socket.remoteAddress ?? '?';
  if (!trusted.includes(socket)) return socket;
  const forwarded = String(req.headers['x-forwarded-for'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return forwarded[forwarded.length - 1] ?? socket;
}

function trustedProxies(): string[] {
  return (process.env.ROSTER_TRUSTED_PROXIES ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Fixed-window counters per key, enough to stop guessing of tokens and codes. Kept in the database
 * (the guess limiter's table, migration 0013), so a portal process and the desktops' portals on one
 * PostgreSQL share one budget. Keys are stored hashed (a key may hold a link token).
 */
export class RateLimiter {
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one attempt (one atomic statement); false when the key is over its limit. */
  async take(db: Db, key: string): Promise<boolean> {
    const t = this.now();
    const window = Math.floor(t / this.windowMs);
    const { failures } = await incrementCounter(db, `hits:${this.windowMs}:${window}:${hashToken(key)}`, new Date(t).toISOString(), '');
    return failures <= this.limit;
  }
}

/** A form body over the portal's cap: answered 413 with a page that says so, never 500. */
export class FormTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`form larger than ${maxBytes} bytes`);
    this.name = 'FormTooLarge';
  }
}

export const FORM_MAX_BYTES = 16 * 1024;

/** Reads a urlencoded form, refusing (before reading, when the length is declared) more than `maxBytes`. */
export async function readForm(req: IncomingMessage, maxBytes = FORM_MAX_BYTES): Promise<Record<string, string>> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw new FormTooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > maxBytes) throw new FormTooLarge(maxBytes);
    chunks.push(c as Buffer);
  }
  return Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
}
