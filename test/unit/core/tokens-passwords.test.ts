import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { hashPassword, passwordProblem, verifyPassword } from '../../../src/main/core/passwords';
import { hashToken, looksLikeToken, newToken, sameHash } from '../../../src/main/core/tokens';

describe('tokens', () => {
  it('are 43 base64url characters and unique', () => {
    const tokens = Array.from({ length: 500 }, () => newToken());
    for (const t of tokens) {
      expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(looksLikeToken(t)).toBe(true);
    }
    expect(new Set(tokens).size).toBe(tokens.length);
  });
  it('are stored as their sha256 in hex', () => {
    const t = newToken();
    const h = hashToken(t);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(h).toBe(createHash('sha256').update(t).digest('hex'));
    expect(h).not.toContain(t);
    expect(sameHash(h, hashToken(t))).toBe(true);
    expect(sameHash(h, hashToken(newToken()))).toBe(false);
  });
  it('anything not shaped like a token is refused', () => {
    expect(looksLikeToken('short')).toBe(false);
    expect(looksLikeToken(`${newToken()}x`)).toBe(false);
    expect(looksLikeToken('a'.repeat(42) + '/')).toBe(false);
  });
});

describe('passwords', () => {
  it('hash with scrypt at N=2^17, r=8, p=1, salted, and verify', async () => {
    const pw = 'correct horse battery staple';
    const [h1, h2] = await Promise.all([hashPassword(pw), hashPassword(pw)]);
    expect(h1).toMatch(/^scrypt\$131072\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(h1).not.toBe(h2);
    expect(h1).not.toContain(pw);
    const [ok, wrong, malformed] = await Promise.all([verifyPassword(pw, h1), verifyPassword('correct horse battery stapler', h1), verifyPassword(pw, 'bcrypt$xyz')]);
    expect(ok).toBe(true);
    expect(wrong).toBe(false);
    expect(malformed).toBe(false);
  });

  it('passwordProblem says what to fix', () => {
    expect(passwordProblem('correct horse battery staple')).toBeNull();
    expect(passwordProblem('short')).toMatch(/too short.*12/);
    expect(passwordProblem('x'.repeat(257) + 'abc')).toMatch(/too long.*256/);
    expect(passwordProblem('Password1234')).toMatch(/too common/);
    expect(passwordProblem('abababababababab')).toMatch(/repeats too few/);
    expect(passwordProblem('my name is alice smith', 'alice@acme.com')).toMatch(/email address/);
    expect(passwordProblem('correct horse battery staple', 'alice@acme.com')).toBeNull();
  });
});
