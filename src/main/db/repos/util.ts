import { CompiledQuery, type Compilable } from 'kysely';
import type { DbOrTx } from '../database';

/** Splits rows so a multi-row statement stays well under SQLite's bound-variable limit. */
export function chunks<T>(rows: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

export function rowsPerStatement(columns: number): number {
  return Math.max(1, Math.floor(30000 / columns));
}

/**
 * A multi-row INSERT over many rows, compiled once: Kysely builds the statement for the first chunk
 * of each size, and every other chunk of that size reuses its SQL with its own values, in the column
 * order of the first row (checked against Kysely's parameters once). Rows must share their keys and
 * have no undefined value; otherwise each chunk is compiled as before.
 */
export async function insertCompiledOnce<T extends object, R>(db: DbOrTx, rows: readonly T[], columns: number, build: (part: T[]) => Compilable<R>): Promise<R[]> {
  const out: R[] = [];
  if (rows.length === 0) return out;
  const keys = Object.keys(rows[0]!);
  const uniform = rows.every((r) => {
    const o = r as Record<string, unknown>;
    let n = 0;
    for (const k in o) {
      if (o[k] === undefined || keys[n] !== k) return false;
      n++;
    }
    return n === keys.length;
  });
  const sqlBySize = new Map<number, string>();
  for (const part of chunks(rows, rowsPerStatement(columns))) {
    const params: unknown[] = [];
    if (uniform) for (const r of part) for (const k of keys) params.push((r as Record<string, unknown>)[k]);
    const sql = sqlBySize.get(part.length);
    if (sql !== undefined) {
      out.push(...(await db.executeQuery(CompiledQuery.raw(sql, params) as CompiledQuery<R>)).rows);
      continue;
    }
    const compiled = build(part).compile();
    if (uniform && compiled.parameters.length === params.length && compiled.parameters.every((p, i) => p === params[i])) sqlBySize.set(part.length, compiled.sql);
    out.push(...(await db.executeQuery(compiled)).rows);
  }
  return out;
}
