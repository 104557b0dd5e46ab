import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A fresh secret for a link or a session: 32 random bytes, URL-safe. Only its hash is stored. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** `count` fresh tokens from one draw of 32 random bytes each (a batch of links): the same tokens, one system call. */
export function newTokens(count: number): string[] {
  const bytes = randomBytes(32 * count);
  const out = new Array<string>(count);
  for (let i = 0; i < count; i++) out[i] = bytes.toString('base64url', i * 32, i * 32 + 32);
  return out;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Tokens we issue are 43 base64url characters; anything else is refused before any lookup. */
export function looksLikeToken(token: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(token);
}
