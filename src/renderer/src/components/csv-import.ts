// The invite dialog's CSV import: parsing (papaparse), the guessed column mapping, and the entries it gives.
import Papa from 'papaparse';
import type { InviteEntryInput } from '../api-types';

export type Field = 'email' | 'name' | 'phone' | 'role';
export const FIELDS: { key: Field; label: string; guess: RegExp }[] = [
  { key: 'email', label: 'Email column', guess: /e-?mail|address/i },
  { key: 'name', label: 'Name column', guess: /name/i },
  { key: 'phone', label: 'Phone column', guess: /phone|mobile|tel/i },
  { key: 'role', label: 'Role column', guess: /role/i },
];

export interface CsvImport {
  fileName: string;
  headers: string[];
  rows: string[][];
  mapping: Record<Field, string | null>;
  errors: string[];
}

/** Parses a CSV file (first line = headers) with papaparse and guesses the column mapping. */
export function parseCsv(fileName: string, text: string): CsvImport {
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), { skipEmptyLines: 'greedy' });
  const [headerRow = [], ...rows] = parsed.data;
  const headers = headerRow.map((h, i) => h.trim() || `Column ${i + 1}`);
  const mapping = { email: null, name: null, phone: null, role: null } as Record<Field, string | null>;
  const used = new Set<string>();
  for (const f of FIELDS) {
    const h = headers.find((x) => f.guess.test(x) && !used.has(x));
    if (h) {
      mapping[f.key] = h;
      used.add(h);
    }
  }
  if (!mapping.email && headers.length) mapping.email = headers[0]!;
  return { fileName, headers, rows, mapping, errors: parsed.errors.slice(0, 3).map((e) => `Line ${(e.row ?? 0) + 2}: ${e.message}`) };
}

export type Entry = InviteEntryInput & {
  /** Where it came from, for the preview: "typed" or "CSV line 3". */
  source: string;
};

export function csvEntries(csv: CsvImport | null): Entry[] {
  if (!csv) return [];
  const col = (f: Field) => (csv.mapping[f] ? csv.headers.indexOf(csv.mapping[f]!) : -1);
  const [e, n, p, r] = [col('email'), col('name'), col('phone'), col('role')];
  const cell = (row: string[], i: number) => (i >= 0 ? (row[i] ?? '').trim() || null : null);
  return csv.rows.map((row, i) => ({ email: cell(row, e) ?? '', name: cell(row, n), phone: cell(row, p), role: cell(row, r), source: `CSV line ${i + 2}` }));
}
