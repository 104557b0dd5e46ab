import { describe, expect, it } from 'vitest';
import { isValidEmail } from '../../../src/main/core/addresses';
import { addressProblem } from '../../../src/shared/address-lines';
import { entryProblem } from '../../../src/shared/invite-entry';
import { BLANK_NAME_TEXT, displayTextProblem, invisibleAddressProblem } from '../../../src/shared/invisible-text';

const BIDI = /hidden text-direction control \(U\+[0-9A-F]{4}\)/;

describe('invisible characters in an email address', () => {
  it.each([
    ['zero-width space at the end', 'zw2@acme.test\u200b', 'U+200B', 'zw2@acme.test'],
    ['soft hyphen in the domain', 'zw3@acme.te\u00adst', 'U+00AD', 'zw3@acme.test'],
    ['zero-width joiner in the local part', 'a\u200db@acme.test', 'U+200D', 'ab@acme.test'],
    ['zero-width non-joiner', 'a\u200cb@acme.test', 'U+200C', 'ab@acme.test'],
    ['byte order mark inside', 'a\ufeffb@acme.test', 'U+FEFF', 'ab@acme.test'],
    ['right-to-left override', 'a\u202eb@acme.test', 'U+202E', 'ab@acme.test'],
    ['left-to-right isolate', 'a@acme\u2066.test', 'U+2066', 'a@acme.test'],
    ['word joiner', 'a\u2060b@acme.test', 'U+2060', 'ab@acme.test'],
  ])('refuses %s, naming the address and the character', (_, email, code, shown) => {
    expect(isValidEmail(email)).toBe(false);
    const problem = invisibleAddressProblem(email);
    expect(problem).toBe(`The address ${shown} contains an invisible character (${code}): remove it and type the address again`);
    expect(addressProblem(email)).toBe(problem);
  });

  it.each(['zw@acme.test', 'a@müller.test', 'first.last+tag@sub.example.org'])('finds nothing in %s', (email) => {
    expect(invisibleAddressProblem(email)).toBeNull();
    expect(isValidEmail(email)).toBe(true);
  });
});

describe('display names', () => {
  it.each([
    ['a zero-width space alone', '\u200b', BLANK_NAME_TEXT],
    ['spaces around a zero-width space', '  \u200b ', BLANK_NAME_TEXT],
    ['a soft hyphen and a BOM', '\u00ad\ufeff', BLANK_NAME_TEXT],
    ['joiners alone', '\u200d\u200c', BLANK_NAME_TEXT],
    ['a Hangul filler (default-ignorable)', '\u3164', BLANK_NAME_TEXT],
    ['a right-to-left override', 'evil\u202Egnp.exe', BIDI],
    ['a left-to-right embedding', 'Ada\u202A Lovelace', BIDI],
    ['a pop directional formatting', 'Ada\u202C', BIDI],
    ['a right-to-left isolate', '\u2067Ada\u2069', BIDI],
    ['a first-strong isolate', 'Ada\u2068', BIDI],
  ])('refuses %s', (_, name, expected) => {
    const problem = displayTextProblem(name);
    if (typeof expected === 'string') expect(problem).toBe(expected);
    else expect(problem).toMatch(expected);
  });

  it.each([
    ['a plain name', 'Ada Lovelace'],
    ['an emoji ZWJ sequence', 'Team \u{1F469}\u200D\u{1F4BB} lead'],
    ['a family emoji', '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}'],
    ['a Persian name with a zero-width non-joiner', 'می\u200Cخواهم'],
    ['a Hindi name with a joiner', 'क्\u200Dष'],
    ['an Arabic name (right-to-left without controls)', 'محمد'],
    ['a left-to-right mark beside text (not an override)', 'Ada\u200e'],
    ['empty: left to the field’s own rule', ''],
    ['only spaces: left to the field’s own rule', '   '],
  ])('accepts %s', (_, name) => expect(displayTextProblem(name)).toBeNull());

  it('a description may be blank but may not hide a direction control', () => {
    expect(displayTextProblem('\u200b', 'description', { blankAllowed: true })).toBeNull();
    expect(displayTextProblem('ok\u202e', 'description', { blankAllowed: true })).toMatch(/^The description contains a hidden text-direction control \(U\+202E\)/);
  });

  it('an invite entry (pasted list, CSV row) with such a name is skipped with the reason', () => {
    expect(entryProblem({ email: 'a@acme.test', name: '\u200b' })).toBe('the name is empty: type a name');
    expect(entryProblem({ email: 'a@acme.test', name: 'evil\u202Egnp.exe' })).toMatch(/^the name contains a hidden text-direction control \(U\+202E\)/);
    expect(entryProblem({ email: 'a@acme.test', name: 'Team \u{1F469}\u200D\u{1F4BB}' })).toBeNull();
  });
});
