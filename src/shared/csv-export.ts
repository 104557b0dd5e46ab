/**
 * What every CSV file Roster writes shares: a cell quoted always, a formula neutralised (a cell
 * starting with = + - @, a tab or a carriage return gets a leading ', as OWASP advises), and a
 * byte-order mark at the start so that Excel on Windows reads the file as UTF-8 ("Müller", not
 * "MÃ¼ller"); LibreOffice and parsers (papaparse, Roster's own import) skip the mark.
 */

export const UTF8_BOM = '\uFEFF';

export function csvCell(v: string): string {
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return `"${safe.replace(/"/g, '""')}"`;
}

/** The file's text as saved: the mark, then the rows. */
export function csvFile(text: string): string {
  return text.startsWith(UTF8_BOM) ? text : UTF8_BOM + text;
}
