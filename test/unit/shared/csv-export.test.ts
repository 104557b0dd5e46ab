/**
 * Every CSV file Roster writes (the links export here, the audit export in the console): formulas
 * neutralised and a UTF-8 byte-order mark for Excel (the adversarial pass of 2026-12-07, second:
 * the files had none, so Excel on Windows showed "MÃ¼ller").
 */
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { csvCell, csvFile, UTF8_BOM } from '../../../src/shared/csv-export';
import { parseCsv } from '../../../src/renderer/src/components/csv-import';
import { createEnv, registerOwner, roleId } from '../helpers';

describe('CSV files Roster writes', () => {
  it('neutralises every formula lead and quotes every cell', () => {
    const table: [string, string][] = [
      ['=1+1', `"'=1+1"`],
      ['+1', `"'+1"`],
      ['-1', `"'-1"`],
      ['@SUM(A1)', `"'@SUM(A1)"`],
      ['\t=1', `"'\t=1"`],
      ['\r=1', `"'\r=1"`],
      ['=HYPERLINK("http://evil.test","x")', `"'=HYPERLINK(""http://evil.test"",""x"")"`],
      ['Ada', '"Ada"'],
      ['a=b', '"a=b"'],
    ];
    for (const [v, want] of table) expect(csvCell(v)).toBe(want);
  });

  it('starts with one byte-order mark, which papaparse and the import skip', () => {
    const text = csvFile('email,name\r\n"a@x.test","Müller"\r\n');
    expect(text.startsWith(UTF8_BOM)).toBe(true);
    expect(csvFile(text)).toBe(text);
    expect(Papa.parse<string[]>(text.replace(/^\uFEFF/, '')).data[1]).toEqual(['a@x.test', 'Müller']);
    expect(parseCsv('links.csv', text).rows.length).toBe(1);
  });

  it('the pending links export is such a file', async () => {
    const env = await createEnv();
    try {
      const owner = (await registerOwner(env)).caller;
      await owner.members.invite({ entries: [{ email: 'm@acme.test', name: 'Jürgen Müller' }], grants: { roleIds: [await roleId(owner, 'Member')] } });
      const out = await owner.mail.exportPendingLinks();
      expect(out.csv.startsWith(`${UTF8_BOM}email,name,link,expires\r\n`)).toBe(true);
      expect(out.csv).toContain('"Jürgen Müller"');
    } finally {
      await env.close();
    }
  });
});
