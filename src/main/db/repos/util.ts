/** Splits rows so a multi-row statement stays well under SQLite's bound-variable limit. */
export function chunks<T>(rows: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

export function rowsPerStatement(columns: number): number {
  return Math.max(1, Math.floor(30000 / columns));
}
