// The invite dialog's CSV import: parsing (papaparse, row by row with the file's line numbers), the row-count
// estimate said before parsing, the guessed column mapping, and the entries it gives. Pure: also runs in csv.worker.ts.
import Papa from 'papaparse';
import { MAX_INVITE_BATCH, entryProblem, overLimitText, sentence } from '../../../shared/invite-entry';
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
  /** The file's line (1-based, the header line is 1) where each row starts: a quoted field may span lines. */
  lines: number[];
  mapping: Record<Field, string | null>;
  errors: string[];
  /** Set when the file holds more rows than one batch may: the refusal to show, with the exact count. */
  tooMany: string | null;
}

/** Above this size the file is parsed in a worker, with progress and Cancel. */
export const WORKER_THRESHOLD_BYTES = 1024 * 1024;
/** How much of a file is read to estimate its row count before parsing it. */
export const SAMPLE_BYTES = 256 * 1024;

/** Counts occurrences of `needle` in text[from, to). */
function countIn(text: string, needle: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf(needle, from); i !== -1 && i < to; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}

/**
 * The number of data rows (header excluded) a file of `totalBytes` holds, estimated from its first `sampleBytes`
 * decoded as `sample`: exact (in lines) when the sample is the whole file, else from the sample's bytes per line.
 */
export function estimateRows(sample: string, sampleBytes: number, totalBytes: number): number {
  const breaks = countIn(sample, '\n', 0, sample.length) || countIn(sample, '\r', 0, sample.length);
  if (sampleBytes >= totalBytes) {
    const endsWithBreak = /[\r\n]\s*$/.test(sample);
    return Math.max(0, breaks + (endsWithBreak || sample.trim() === '' ? 0 : 1) - 1);
  }
  if (breaks === 0) return 0;
  return Math.max(0, Math.round(totalBytes / (sampleBytes / breaks)) - 1);
}

/**
 * The refusal of a file over the batch limit, said before parsing: at once when the estimate is far over (1.5×), else
 * from the file's line breaks counted exactly (`countBreaks`, a fast byte scan), with a 5 % margin for quoted fields
 * that span lines; a file near the limit is parsed, and the parse counts its rows exactly (CsvImport.tooMany).
 */
export async function limitRefusal(sample: string, sampleBytes: number, totalBytes: number, countBreaks: () => Promise<number>): Promise<string | null> {
  const estimate = estimateRows(sample, sampleBytes, totalBytes);
  if (estimate > MAX_INVITE_BATCH * 1.5) return overLimitText(estimate, false);
  if (estimate <= MAX_INVITE_BATCH * 1.05) return null;
  const rows = (await countBreaks()) - 1;
  return rows > MAX_INVITE_BATCH * 1.05 ? overLimitText(rows, false) : null;
}

/** Counts the line breaks (LF, or CR in a file without LF) in a stream of bytes. */
export async function countLineBreaks(stream: ReadableStream<Uint8Array>): Promise<number> {
  let lf = 0;
  let cr = 0;
  for (const reader = stream.getReader(); ; ) {
    const { done, value } = await reader.read();
    if (done) break;
    for (let i = 0; i < value.length; i++) {
      if (value[i] === 10) lf++;
      else if (value[i] === 13) cr++;
    }
  }
  return lf || cr;
}

const isBlank = (row: string[]) => row.every((c) => c.trim() === '');

/**
 * Parses a CSV file (first line = headers) row by row with papaparse and guesses the column mapping. Each row
 * keeps the file line it starts on, from papaparse's cursor (the offset after each row). `onProgress` gets the
 * fraction parsed every 2 % of the text.
 */
export function parseCsv(fileName: string, input: string, onProgress?: (fraction: number) => void): CsvImport {
  // A BOM is one character on no line: dropping it keeps the line count.
  const text = input.replace(/^\uFEFF/, '');
  let headerRow: string[] | null = null;
  const rows: string[][] = [];
  const lines: number[] = [];
  const errors: string[] = [];
  let count = 0;
  let rowStart = 0;
  let lineAtStart = 1;
  let linebreak = '\n';
  // Progress every 2 % of the text (at least every 64 KB): enough for a smooth bar, few messages from a worker.
  const progressStep = Math.max(64 * 1024, text.length / 50);
  let reported = 0;
  Papa.parse<string[]>(text, {
    step: (results) => {
      const row = results.data;
      const line = lineAtStart;
      const end = results.meta.cursor;
      linebreak = results.meta.linebreak === '\r' ? '\r' : '\n';
      lineAtStart += countIn(text, linebreak, rowStart, end);
      rowStart = end;
      // A file of one column has no delimiter to detect: Papa's guess of ',' is right, and no news to the admin.
      for (const e of results.errors) if (errors.length < 3 && e.code !== 'UndetectableDelimiter') errors.push(`Line ${line}: ${e.message}`);
      if (isBlank(row)) return;
      if (!headerRow) {
        headerRow = row;
        return;
      }
      count++;
      // Over the limit the rows are only counted: the refusal says how many there are.
      if (count <= MAX_INVITE_BATCH) {
        rows.push(row);
        lines.push(line);
      }
      if (onProgress && end - reported >= progressStep) {
        reported = end;
        onProgress(end / text.length);
      }
    },
  });
  const headers = (headerRow ?? ([] as string[])).map((h, i) => h.trim() || `Column ${i + 1}`);
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
  return { fileName, headers, rows, lines, mapping, errors, tooMany: count > MAX_INVITE_BATCH ? overLimitText(count, true) : null };
}

export type Entry = InviteEntryInput & {
  /** Where it came from, for the preview: "Typed" or "CSV line 3". */
  source: string;
  /** The file's line, for a CSV row. */
  line?: number;
};

export function csvEntries(csv: CsvImport | null): Entry[] {
  if (!csv) return [];
  const col = (f: Field) => (csv.mapping[f] ? csv.headers.indexOf(csv.mapping[f]!) : -1);
  const [e, n, p, r] = [col('email'), col('name'), col('phone'), col('role')];
  const cell = (row: string[], i: number) => (i >= 0 ? (row[i] ?? '').trim() || null : null);
  return csv.rows.map((row, i) => {
    const line = csv.lines[i] ?? i + 2;
    return { email: cell(row, e) ?? '', name: cell(row, n), phone: cell(row, p), role: cell(row, r), source: `CSV line ${line}`, line };
  });
}

/** A skipped outcome decided in the dialog, before the server sees the entry. */
export interface LocalSkip {
  email: string;
  outcome: 'skip';
  reason: 'invalid_entry';
  message: string;
}

/** Why an entry is skipped before the preview ("line 7: the name is longer than 200 characters"), or null when it goes to the server. */
export function localSkip(entry: Entry): LocalSkip | null {
  const problem = entryProblem(entry);
  if (!problem) return null;
  return { email: entry.email.trim(), outcome: 'skip', reason: 'invalid_entry', message: withLine(entry, problem) };
}

/** A skip reason for the admin: "line 7: …" for a CSV row, else the sentence itself. */
export function withLine(entry: Pick<Entry, 'line'>, message: string): string {
  return entry.line ? `line ${entry.line}: ${message.charAt(0).toLowerCase()}${message.slice(1)}` : sentence(message);
}

/**
 * The preview in the entries' order: each local skip where it stands, the server's outcomes (for the entries sent,
 * in order) in between; a CSV row's skip reason names its line.
 */
export function mergeOutcomes<O extends { outcome: string; message?: string }>(entries: Pick<Entry, 'line'>[], local: (LocalSkip | null)[], server: O[]): (O | LocalSkip)[] {
  let k = 0;
  return local.map((l, i) => {
    if (l) return l;
    const o = server[k++]!;
    return o.outcome === 'skip' && o.message !== undefined ? { ...o, message: withLine(entries[i]!, o.message) } : o;
  });
}

/**
 * The batch's skipped list in the entries' order, each CSV row's reason naming its line: the local skips, and the
 * server's skips matched (in order) to the entries the preview showed as skipped.
 */
export function resultSkips(entries: Entry[], preview: { outcome: string }[], local: (LocalSkip | null)[], skipped: { email: string; message: string }[]): { email: string; message: string }[] {
  const out: { email: string; message: string }[] = [];
  let k = 0;
  entries.forEach((entry, i) => {
    const l = local[i];
    if (l) return void out.push({ email: l.email, message: l.message });
    const s = skipped[k];
    if (s && preview[i]?.outcome === 'skip' && s.email === entry.email.trim()) {
      out.push({ email: s.email, message: withLine(entry, s.message) });
      k++;
    }
  });
  // Anything not matched (the list changed meanwhile) is still listed, as the server said it.
  return [...out, ...skipped.slice(k)];
}
