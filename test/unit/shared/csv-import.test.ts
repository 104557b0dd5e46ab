import { describe, expect, it } from 'vitest';
import { MAX_INVITE_BATCH, entryProblem, overLimitText } from '../../../src/shared/invite-entry';
import { countLineBreaks, csvEntries, estimateRows, limitRefusal, localSkip, mergeOutcomes, parseCsv, resultSkips } from '../../../src/renderer/src/components/csv-import';

/** The invite dialog's CSV import: each row keeps its file line, a bad row is skipped with a readable reason, a big file is refused up front. */
describe('CSV import: the file line of each row', () => {
  it('counts the header as line 1 and follows quoted fields that span lines', () => {
    const text = 'email,name,notes\na@x.test,Ada,"first\nsecond\nthird"\nb@x.test,Bob,plain\n"c@x.test","Chloé ""C""","two\r\nlines"\nd@x.test,Dan,\n';
    const csv = parseCsv('p.csv', text);
    expect(csv.rows.map((r) => r[0])).toEqual(['a@x.test', 'b@x.test', 'c@x.test', 'd@x.test']);
    expect(csv.lines).toEqual([2, 5, 6, 8]);
    expect(csvEntries(csv).map((e) => e.source)).toEqual(['CSV line 2', 'CSV line 5', 'CSV line 6', 'CSV line 8']);
    expect(csv.rows[2]![1]).toBe('Chloé "C"');
  });

  it('skips blank lines (also lines of empty cells, as spreadsheets export them) and still numbers the rest by the file', () => {
    const csv = parseCsv('p.csv', '\uFEFF\nemail,name\n\n  \na@x.test,Ada\n,\n,,\nb@x.test,Bob');
    expect(csv.headers).toEqual(['email', 'name']);
    expect(csv.lines).toEqual([5, 8]);
  });

  it('numbers lines of a file with CR LF line ends', () => {
    const csv = parseCsv('p.csv', 'email\r\na@x.test\r\n"b@x\r\n.test"\r\nc@x.test\r\n');
    expect(csv.lines).toEqual([2, 3, 5]);
  });

  it('says a malformed quote with its file line', () => {
    const csv = parseCsv('p.csv', 'email,name\na@x.test,Ada\nb@x.test,"Bob\n');
    expect(csv.errors[0]).toMatch(/^Line 3: /);
  });

  it('reports progress while parsing', () => {
    const fractions: number[] = [];
    parseCsv('p.csv', `email\n${Array.from({ length: 30_000 }, (_, i) => `p${i}@x.test`).join('\n')}`, (f) => fractions.push(f));
    expect(fractions.length).toBeGreaterThanOrEqual(2);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(fractions.at(-1)!).toBeLessThanOrEqual(1);
  });
});

describe('CSV import: a bad row is skipped with its line and reason', () => {
  it('names the line and the problem for each kind of bad value', () => {
    const text = [
      'email,name,phone,role',
      `ok@x.test,Ada,,`,
      `long@x.test,${'n'.repeat(201)},,`,
      `,No Address,,`,
      `phone@x.test,Pat,${'1'.repeat(41)},`,
      `role@x.test,Rae,,${'r'.repeat(101)}`,
      `"broken@x.test","Two\nLines",,`,
      `after@x.test,Al,,`,
    ].join('\n');
    const entries = csvEntries(parseCsv('p.csv', text));
    expect(entries.map((e) => localSkip(e)?.message ?? null)).toEqual([
      null,
      'line 3: the name is longer than 200 characters',
      'line 4: there is no email address',
      'line 5: the phone number is longer than 40 characters',
      'line 6: the role name is longer than 100 characters',
      'line 7: the name contains a line break',
      null,
    ]);
    expect(entries[6]!.line).toBe(9);
  });

  it('merges the local skips with the server outcomes in the file order, naming the line of a server skip', () => {
    const entries = [{ line: 2 }, { line: 3 }, { line: 4 }, {}];
    const local = [null, { email: 'b', outcome: 'skip' as const, reason: 'invalid_entry' as const, message: 'line 3: the name is longer than 200 characters' }, null, null];
    const server = [
      { email: 'a', outcome: 'invite' as const },
      { email: 'c', outcome: 'skip' as const, message: 'Not a valid email address' },
      { email: 'd', outcome: 'skip' as const, message: 'Appears more than once in the list' },
    ];
    expect(mergeOutcomes(entries, local, server).map((o) => ('message' in o ? o.message : o.outcome))).toEqual([
      'invite',
      'line 3: the name is longer than 200 characters',
      'line 4: not a valid email address',
      'Appears more than once in the list',
    ]);
  });

  it('the batch result lists the skips in file order with their lines; a duplicate is matched to its own line, not the first', () => {
    const entries = csvEntries(parseCsv('p.csv', `email,name\na@x.test,A\nbad,B\na@x.test,${'n'.repeat(201)}\nc@x.test,C\na@x.test,Again`));
    const local = entries.map(localSkip);
    const preview = [{ outcome: 'invite' }, { outcome: 'skip' }, local[2]!, { outcome: 'invite' }, { outcome: 'skip' }];
    const skipped = [
      { email: 'bad', message: 'Not a valid email address' },
      { email: 'a@x.test', message: 'Appears more than once in the list' },
    ];
    expect(resultSkips(entries, preview, local, skipped)).toEqual([
      { email: 'bad', message: 'line 3: not a valid email address' },
      { email: 'a@x.test', message: 'line 4: the name is longer than 200 characters' },
      { email: 'a@x.test', message: 'line 6: appears more than once in the list' },
    ]);
  });

  it('a typed address gets the reason as a sentence, without a line', () => {
    expect(localSkip({ email: 'a@x.test', name: 'x'.repeat(201), source: 'Typed' })?.message).toBe('The name is longer than 200 characters');
    expect(entryProblem({ email: 'a@x.test', name: 'x'.repeat(200) })).toBeNull();
  });
});

describe('CSV import: the limit said before parsing', () => {
  it('counts the rows of a file read whole', () => {
    expect(estimateRows('email\na\nb\n', 10, 10)).toBe(2);
    expect(estimateRows('email\na\nb', 9, 9)).toBe(2);
    expect(estimateRows('', 0, 0)).toBe(0);
  });

  it('estimates the rows of a big file from its first bytes', async () => {
    const line = 'someone.long@example.test,Some Person,+33 6 12 34 56 78\n';
    const sample = line.repeat(4000);
    // A 50 MB file of such lines holds about 900,000 rows.
    const total = 900_000 * line.length;
    const estimate = estimateRows(sample, sample.length, total);
    expect(Math.abs(estimate - 900_000)).toBeLessThan(1000);
    const never = () => Promise.reject(new Error('not counted'));
    await expect(limitRefusal(sample, sample.length, total, never)).resolves.toBe('This file has about 900,000 rows; Roster imports at most 200,000 per batch: split it');
    await expect(limitRefusal(sample, sample.length, 150_000 * line.length, never)).resolves.toBeNull();
  });

  it('near the limit the line breaks are counted, so a sample of short first lines does not refuse a file that fits', async () => {
    // The first lines are short, the later ones long: the estimate says ~260,000, the file holds 190,000 rows.
    const sample = 'a@x.test\n'.repeat(1000);
    const total = 260_000 * 9;
    expect(estimateRows(sample, sample.length, total)).toBeGreaterThan(MAX_INVITE_BATCH * 1.05);
    await expect(limitRefusal(sample, sample.length, total, () => Promise.resolve(190_001))).resolves.toBeNull();
    await expect(limitRefusal(sample, sample.length, total, () => Promise.resolve(260_001))).resolves.toBe('This file has about 260,000 rows; Roster imports at most 200,000 per batch: split it');
  });

  it('counts line breaks in a byte stream, CR-only files too', async () => {
    const stream = (s: string) => new Blob([s]).stream();
    await expect(countLineBreaks(stream('a\nb\r\nc\n'))).resolves.toBe(3);
    await expect(countLineBreaks(stream('a\rb\rc'))).resolves.toBe(2);
  });

  it('refuses with the exact count when the parse finds more rows than a batch may hold', () => {
    const csv = parseCsv('p.csv', `email\n${'a@x.test\n'.repeat(MAX_INVITE_BATCH + 3)}`);
    expect(csv.tooMany).toBe(overLimitText(MAX_INVITE_BATCH + 3, true));
    expect(csv.tooMany).toBe('This file has 200,003 rows; Roster imports at most 200,000 per batch: split it');
    expect(csv.rows.length).toBe(MAX_INVITE_BATCH);
  });
});
