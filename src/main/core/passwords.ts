import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as Core from '@zxcvbn-ts/core';
import type { ZxcvbnFactory } from '@zxcvbn-ts/core';
import type * as LanguageCommon from '@zxcvbn-ts/language-common';

/**
 * scrypt at OWASP's Password Storage Cheat Sheet parameters: N=2^17, r=8, p=1 (128 MiB).
 * The parameters are stored with the hash so they can be raised later without breaking sign-in.
 */
export const SCRYPT_PARAMS = { N: 2 ** 17, r: 8, p: 1, keyLength: 32 } as const;

function scrypt(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password, salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

function maxmem(N: number, r: number): number {
  return 128 * N * r * 2;
}

export async function hashPassword(password: string): Promise<string> {
  const { N, r, p, keyLength } = SCRYPT_PARAMS;
  const salt = randomBytes(16);
  const key = await scrypt(password.normalize('NFKC'), salt, keyLength, { N, r, p, maxmem: maxmem(N, r) });
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4]!, 'base64');
  const expected = Buffer.from(parts[5]!, 'base64');
  const key = await scrypt(password.normalize('NFKC'), salt, expected.length, { N, r, p, maxmem: maxmem(N, r) });
  return timingSafeEqual(key, expected);
}

export const PASSWORD_POLICY = {
  minLength: 12,
  maxLength: 256,
  description: 'At least 12 characters. A long passphrase is best; avoid common or reused passwords.',
} as const;

const COMMON = new Set([
  'password1234', 'passwordpassword', '123456789012', 'qwertyuiopas', 'iloveyou1234', 'adminadmin12',
  'letmein12345', 'welcome12345', 'changeme1234', 'password123!',
]);

/** Returns a message saying what to fix, or null when the password is acceptable. */
export function passwordProblem(password: string, email?: string): string | null {
  if (password.length < PASSWORD_POLICY.minLength)
    return `The password is too short: use at least ${PASSWORD_POLICY.minLength} characters.`;
  if (password.length > PASSWORD_POLICY.maxLength)
    return `The password is too long: use at most ${PASSWORD_POLICY.maxLength} characters.`;
  const lower = password.toLowerCase();
  if (COMMON.has(lower)) return 'This password is too common: choose another one.';
  if (new Set(password).size < 4) return 'The password repeats too few characters: choose a less predictable one.';
  const local = email?.split('@')[0] ?? '';
  if (local.length >= 4 && lower.includes(local.toLowerCase()))
    return `The password must not contain the part of your email address before the @ (“${local}”).`;
  // NIST 800-63B: refuse passwords found in lists of common and breached passwords, with their
  // usual variations (l33t, years, keyboard walks); zxcvbn's lists ship offline with Roster.
  const userInputs = email ? [email, ...email.toLowerCase().split(/[@.+_-]/).filter((w) => w.length >= 3), 'roster'] : ['roster'];
  if (strength().check(password, userInputs).guessesLog10 < MIN_GUESSES_LOG10)
    return 'This password is too common or too easy to guess (a known password, a word with a year or symbols, a keyboard pattern): choose a passphrase of several unrelated words.';
  return null;
}

/** 10^10 guesses: out of reach of an online attack and costly offline against scrypt (zxcvbn's top score). */
export const MIN_GUESSES_LOG10 = 10;

let factory: ZxcvbnFactory | null = null;
/**
 * Loaded and built on the first password scored (registration, a password change or an invitee's
 * account), not at start: the dictionaries take ~100 ms to load.
 */
function strength(): ZxcvbnFactory {
  if (!factory) {
    const load = createRequire(__filename);
    const { ZxcvbnFactory: Factory } = load('@zxcvbn-ts/core') as typeof Core;
    const { adjacencyGraphs, dictionary } = load('@zxcvbn-ts/language-common') as typeof LanguageCommon;
    factory = new Factory({ dictionary: { ...dictionary }, graphs: adjacencyGraphs });
  }
  return factory;
}
