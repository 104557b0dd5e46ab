import { describe, expect, it } from 'vitest';
import { domainMatches, isDisposableDomain, isValidEmail, normalizeEmail, policyProblem, splitAddressList } from '../../../src/main/core/addresses';

const open = { allowDomains: [], denyDomains: [], blockDisposable: true };

describe('normalizeEmail', () => {
  it('trims and lower-cases', () => {
    expect(normalizeEmail('  Alice.Smith@Example.COM ')).toBe('alice.smith@example.com');
  });
});

describe('isValidEmail', () => {
  it.each(['a@b.co', 'first.last+tag@sub.example.org', 'X_Y@example.io'])('accepts %s', (e) => expect(isValidEmail(e)).toBe(true));
  it.each(['', 'plain', 'a@', '@b.com', 'a b@c.com', 'a@b', 'a@@b.com', 'a@b.com\r\nBcc: evil@x.com', 'a@b.com\n', `${'a'.repeat(250)}@b.com`])(
    'refuses %j',
    (e) => expect(isValidEmail(e)).toBe(false),
  );
});

describe('splitAddressList', () => {
  it('splits on commas, semicolons, new lines and whitespace', () => {
    expect(splitAddressList('a@x.com, b@x.com;c@x.com\nd@x.com\r\ne@x.com\tf@x.com g@x.com')).toEqual([
      'a@x.com', 'b@x.com', 'c@x.com', 'd@x.com', 'e@x.com', 'f@x.com', 'g@x.com',
    ]);
  });
  it('keeps the address of "Name <address>" entries', () => {
    expect(splitAddressList('Alice Smith <alice@x.com>, "Bob, Jr" <bob@x.com>\nCarol <carol@x.com>')).toContain('alice@x.com');
    expect(splitAddressList('Alice Smith <alice@x.com>\nCarol <carol@x.com>')).toEqual(['alice@x.com', 'carol@x.com']);
  });
  it('ignores blank entries', () => {
    expect(splitAddressList(' ,, \n\n a@x.com ,')).toEqual(['a@x.com']);
  });
});

describe('domainMatches', () => {
  it('matches the domain and its subdomains, not look-alikes', () => {
    expect(domainMatches('acme.com', 'acme.com')).toBe(true);
    expect(domainMatches('eu.mail.acme.com', 'acme.com')).toBe(true);
    expect(domainMatches('notacme.com', 'acme.com')).toBe(false);
    expect(domainMatches('acme.com.evil.io', 'acme.com')).toBe(false);
  });
  it('accepts "@acme.com", "*.acme.com" and any case as entries', () => {
    expect(domainMatches('acme.com', '@acme.com')).toBe(true);
    expect(domainMatches('x.acme.com', '*.acme.com')).toBe(true);
    expect(domainMatches('acme.com', ' ACME.com ')).toBe(true);
    expect(domainMatches('acme.com', '')).toBe(false);
  });
});

describe('policyProblem', () => {
  it('accepts an ordinary address when no list is set', () => {
    expect(policyProblem('a@acme.com', open)).toBeNull();
  });
  it('refuses disposable providers (and their subdomains) when blocked, not otherwise', () => {
    expect(isDisposableDomain('mailinator.com')).toBe(true);
    expect(isDisposableDomain('x.mailinator.com')).toBe(true);
    expect(policyProblem('a@mailinator.com', open)).toBe('disposable');
    expect(policyProblem('a@Mailinator.COM', open)).toBe('disposable');
    expect(policyProblem('a@mailinator.com', { ...open, blockDisposable: false })).toBeNull();
  });
  it('with an allow list, only allowed domains and their subdomains pass', () => {
    const p = { ...open, allowDomains: ['acme.com'] };
    expect(policyProblem('a@acme.com', p)).toBeNull();
    expect(policyProblem('a@eu.acme.com', p)).toBeNull();
    expect(policyProblem('a@other.com', p)).toBe('domain_not_allowed');
  });
  it('a deny list refuses its domains and subdomains, even if also allowed', () => {
    const p = { ...open, allowDomains: ['acme.com'], denyDomains: ['contractors.acme.com', 'rival.com'] };
    expect(policyProblem('a@rival.com', { ...open, denyDomains: ['rival.com'] })).toBe('domain_not_allowed');
    expect(policyProblem('a@x.contractors.acme.com', p)).toBe('domain_not_allowed');
    expect(policyProblem('a@staff.acme.com', p)).toBeNull();
  });
});
