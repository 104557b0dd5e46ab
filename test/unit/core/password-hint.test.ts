import { describe, expect, it } from 'vitest';
import { PASSWORD_POLICY, PASSWORD_RULES, passwordProblem } from '../../../src/main/core/passwords';

describe('the password hint', () => {
  it('names the rule about the email address that the server enforces', () => {
    expect(PASSWORD_POLICY.description).toMatch(/part of your email address before the @/);
    expect(passwordProblem('xq-alice-plenty-long', 'alice@acme.com')).toMatch(/before the @/);
  });

  it('lists every rule the check applies, each refusing what its hint forbids', () => {
    for (const rule of PASSWORD_RULES) expect(PASSWORD_POLICY.description).toContain(rule.hint);
    // One password broken per rule: each refusal comes from a rule the hint shows.
    const broken: [string, string | undefined][] = [['short', undefined], ['abababababababab', undefined], ['xq-alice-plenty-long', 'alice@acme.com'], ['password1234', undefined]];
    broken.forEach(([pw, email], i) => {
      expect(PASSWORD_RULES[i]!.problem(pw, email), pw).not.toBeNull();
      expect(passwordProblem(pw, email)).toBe(PASSWORD_RULES[i]!.problem(pw, email));
    });
    expect(passwordProblem('correct horse battery staple', 'alice@acme.com')).toBeNull();
  });
});
