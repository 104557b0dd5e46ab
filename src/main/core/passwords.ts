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

const COMMON = new Set([
  'password1234', 'passwordpassword', '123456789012', 'qwertyuiopas', 'iloveyou1234', 'adminadmin12',
  'letmein12345', 'welcome12345', 'changeme1234', 'password123!',
]);

const MIN_LENGTH = 12;
const MAX_LENGTH = 256;

/**
 * Every rule the server checks, each with the words the hint shows and the check itself: the
 * portal's and the console's hint is built from this list, so it cannot leave out a rule.
 */
export const PASSWORD_RULES: readonly { hint: string; problem(password: string, email?: string): string | null }[] = [
  {
    hint: `At least ${MIN_LENGTH} characters (at most ${MAX_LENGTH})`,
    problem: (password) =>
      password.length < MIN_LENGTH
        ? `The password is too short: use at least ${MIN_LENGTH} characters.`
        : password.length > MAX_LENGTH
          ? `The password is too long: use at most ${MAX_LENGTH} characters.`
          : null,
  },
  {
    hint: 'at least 4 different characters',
    problem: (password) => (new Set(password).size < 4 ? 'The password repeats too few characters: choose a less predictable one.' : null),
  },
  {
    hint: 'not containing the part of your email address before the @',
    problem: (password, email) => {
      const local = email?.split('@')[0] ?? '';
      return local.length >= 4 && password.toLowerCase().includes(local.toLowerCase())
        ? `The password must not contain the part of your email address before the @ (“${local}”).`
        : null;
    },
  },
  {
    hint: 'not a common, breached or easy-to-guess password (a word with a year, a keyboard pattern). A passphrase of several unrelated words is best.',
    problem: (password, email) => {
      if (COMMON.has(password.toLowerCase())) return 'This password is too common: choose another one.';
      // NIST 800-63B: refuse passwords found in lists of common and breached passwords, with their
      // usual variations (l33t, years, keyboard walks); zxcvbn's lists ship offline with Roster.
      const userInputs = email ? [email, ...email.toLowerCase().split(/[@.+_-]/).filter((w) => w.length >= 3), 'roster'] : ['roster'];
      if (strength().check(password, userInputs).guessesLog10 < MIN_GUESSES_LOG10)
        return 'This password is too common or too easy to guess (a known password, a word with a year or symbols, a keyboard pattern): choose a passphrase of several unrelated words.';
      return null;
    },
  },
];

export const PASSWORD_POLICY = {
  minLength: MIN_LENGTH,
  maxLength: MAX_LENGTH,
  description: PASSWORD_RULES.map((r) => r.hint).join('; '),
} as const;

/** Returns a message saying what to fix, or null when the password is acceptable. */
export function passwordProblem(password: string, email?: string): string | null {
  for (const rule of PASSWORD_RULES) {
    const problem = rule.problem(password, email);
    if (problem) return problem;
  }
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
