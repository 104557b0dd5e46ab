import { describe, expect, it } from 'vitest';
import { isValidEmail, normalizeEmail } from '../../../src/main/core/addresses';
import { passwordProblem } from '../../../src/main/core/passwords';

describe('address rules (issue 16, also)', () => {
  it('refuses a local part over 64 characters, a label over 63, and a hyphen at either end of a label', () => {
    expect(isValidEmail(`${'a'.repeat(64)}@example.test`)).toBe(true);
    expect(isValidEmail(`${'a'.repeat(65)}@example.test`)).toBe(false);
    expect(isValidEmail(`a@${'b'.repeat(63)}.test`)).toBe(true);
    expect(isValidEmail(`a@${'b'.repeat(64)}.test`)).toBe(false);
    expect(isValidEmail('a@example-.test')).toBe(false);
    expect(isValidEmail('a@-example.test')).toBe(false);
    expect(isValidEmail('a@ex-ample.test')).toBe(true);
  });

  it('accepts an internationalized domain and compares it in punycode', () => {
    expect(isValidEmail('a@müller.test')).toBe(true);
    expect(normalizeEmail(' A@Müller.test ')).toBe('a@xn--mller-kva.test');
    expect(normalizeEmail('a@xn--mller-kva.test')).toBe(normalizeEmail('a@müller.test'));
    expect(isValidEmail('a@xn--mller-kva.test')).toBe(true);
  });
});

describe('weak passwords (issue 16, also: 7 of 11 were accepted)', () => {
  it('refuses common and breached passwords with their usual variations', () => {
    for (const weak of ['qwerty123456', 'Welcome2024!', 'P@ssw0rd2026', 'iloveyou2024', 'Password1234!', 'Summer2025!!', 'qwertyuiop123', 'abc123abc123', '1q2w3e4r5t6y'])
      expect(passwordProblem(weak), weak).toMatch(/too common/);
  });

  it('accepts long passphrases and random passwords', () => {
    for (const strong of ['correct horse battery staple', 'another fine passphrase', 'kX9#mQ2v!Lp7', 'R0ster-is-n1ce-today']) expect(passwordProblem(strong), strong).toBeNull();
  });

  it('refuses a password built from the person’s own address', () => {
    expect(passwordProblem('ada.lovelace2026', 'ada.lovelace@acme.test')).not.toBeNull();
  });
});
