import { describe, expect, it } from 'vitest';
import { addressLabel, addressProblem, INVALID_ADDRESS_TEXT, NON_ASCII_ADDRESS_TEXT, parseAddressLines } from '../../../src/shared/address-lines';

describe('parseAddressLines: what an admin types or pastes into the invite dialog', () => {
  const cases: [string, string, { email: string; name: string | null }[]][] = [
    ['a bare address', 'ada@x.org', [{ email: 'ada@x.org', name: null }]],
    ['name and address in angle brackets', 'Ada Lovelace <ada@x.org>', [{ email: 'ada@x.org', name: 'Ada Lovelace' }]],
    ['quoted name with a comma', '"Lovelace, Ada" <ada@x.org>', [{ email: 'ada@x.org', name: 'Lovelace, Ada' }]],
    ['address, then name', 'ada@x.org, Ada Lovelace', [{ email: 'ada@x.org', name: 'Ada Lovelace' }]],
    ['name, then address', 'Ada Lovelace, ada@x.org', [{ email: 'ada@x.org', name: 'Ada Lovelace' }]],
    ['a spreadsheet row (tab)', 'ada@x.org\tAda Lovelace', [{ email: 'ada@x.org', name: 'Ada Lovelace' }]],
    ['address then name with a space', 'ada@x.org Ada Lovelace', [{ email: 'ada@x.org', name: 'Ada Lovelace' }]],
    ['two addresses on one line', 'ann@x.org, bob@x.org', [{ email: 'ann@x.org', name: null }, { email: 'bob@x.org', name: null }]],
    ['two addresses separated by a space', 'ann@x.org bob@x.org', [{ email: 'ann@x.org', name: null }, { email: 'bob@x.org', name: null }]],
    ['two named addresses', 'Ann <ann@x.org>, Bob Marley <bob@x.org>', [{ email: 'ann@x.org', name: 'Ann' }, { email: 'bob@x.org', name: 'Bob Marley' }]],
    [
      'several lines and semicolons',
      'ann@x.org\nBob <bob@x.org>; cat@x.org, Cat Stevens\r\n\n',
      [{ email: 'ann@x.org', name: null }, { email: 'bob@x.org', name: 'Bob' }, { email: 'cat@x.org', name: 'Cat Stevens' }],
    ],
    ['not an address stays to be flagged', 'not-an-address', [{ email: 'not-an-address', name: null }]],
    ['empty text', '  \n ; ', []],
  ];
  it.each(cases)('%s', (_label, text, expected) => {
    expect(parseAddressLines(text)).toEqual(expected);
  });

  it('labels a chip with the name when there is one', () => {
    expect(addressLabel({ email: 'ada@x.org', name: 'Ada Lovelace' })).toBe('Ada Lovelace <ada@x.org>');
    expect(addressLabel({ email: 'ada@x.org', name: null })).toBe('ada@x.org');
  });
});

describe('addressProblem: chips marked before the preview', () => {
  it.each([
    ['ada@x.org', null],
    ['bad@@x', INVALID_ADDRESS_TEXT],
    ['no-at-sign', INVALID_ADDRESS_TEXT],
    ['chloé.garcía2@acme.test', NON_ASCII_ADDRESS_TEXT],
    ['a@b.c', INVALID_ADDRESS_TEXT],
  ])('%s', (email, problem) => {
    expect(addressProblem(email)).toBe(problem);
  });
});
