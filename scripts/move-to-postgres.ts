// npm run move-to-postgres -- --from <data folder or roster.sqlite> --database-url postgres://user:pass@host:5432/db
// Copies a desktop directory (SQLite) into an EMPTY PostgreSQL database in one transaction, checks
// every table's row count, and leaves the SQLite file untouched. Quit Roster on that desktop first:
// changes made during the move would stay behind in the SQLite file (or move from Settings, which
// pauses the running app's writes itself). --remember records the choice in the data folder
// (store.json), so Roster opens PostgreSQL at its next start. See README, Team mode.
import { parseArgs } from 'node:util';
import { existsSync, statSync } from 'node:fs';
import { redactDatabaseUrl } from '../src/main/db/directory';
import { writeStoreChoice, STORE_CHOICE_FILE } from '../src/main/db/store-choice';
import { moveToPostgres, MoveRefusedError, type MoveProgress } from '../src/main/db/move-to-postgres';

const USAGE = 'Usage: npm run move-to-postgres -- --from <data folder or roster.sqlite> --database-url postgres://user:password@host:5432/database [--remember]';

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

async function main(): Promise<number> {
  let values: { from?: string; 'database-url'?: string; help?: boolean; remember?: boolean };
  try {
    ({ values } = parseArgs({ options: { from: { type: 'string' }, 'database-url': { type: 'string' }, help: { type: 'boolean', short: 'h' }, remember: { type: 'boolean' } } }));
  } catch (e) {
    console.error(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
    return 2;
  }
  const url = values['database-url'] ?? process.env.ROSTER_DATABASE_URL;
  if (values.help || !values.from || !url) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  if (values.remember && !(existsSync(values.from) && statSync(values.from).isDirectory())) {
    console.error(`--remember needs --from to be the data folder (it writes ${STORE_CHOICE_FILE} there).\n${USAGE}`);
    return 2;
  }
  console.log(`Moving ${values.from} to ${redactDatabaseUrl(url)}`);
  const started = Date.now();
  let table = '';
  let nextAt = 0;
  const onProgress = (p: MoveProgress) => {
    if (p.step === 'snapshot') console.log(`  snapshot of ${p.file} taken (the file itself is only read)`);
    else if (p.step === 'migrated') console.log(`  schema created on PostgreSQL (${p.migrations} migrations)`);
    else if (p.step === 'indexing') console.log(`  building ${p.indexes} indexes again`);
    else if (p.step === 'vacuum') console.log('  committed; VACUUM (FREEZE, ANALYZE) prepares the copy for fast reads');
    else if (p.step === 'table') {
      if (p.table !== table) [table, nextAt] = [p.table, 0];
      // Big tables report each chunk: one line per tenth keeps the log readable.
      if (p.copied < nextAt && p.copied < p.total) return;
      if (p.copied === 0 && p.total > 0) return;
      console.log(`  ${p.table.padEnd(22)} ${fmt(p.copied).padStart(11)} / ${fmt(p.total)}`);
      nextAt = p.copied >= p.total ? Infinity : p.copied + Math.max(1, Math.ceil(p.total / 10));
    }
  };
  try {
    const result = await moveToPostgres({ from: values.from, databaseUrl: url, onProgress });
    console.log(`\nRow counts checked (SQLite → PostgreSQL), committed in ${((Date.now() - started) / 1000).toFixed(1)} s:`);
    for (const t of result.tables) console.log(`  ${t.table.padEnd(22)} ${fmt(t.source).padStart(11)} → ${fmt(t.target)}`);
    if (values.remember) {
      writeStoreChoice(values.from, url, new Date());
      console.log(`\nDone. ${STORE_CHOICE_FILE} in ${values.from} now points Roster at this database at its next start. ${result.source} was not changed.`);
    } else console.log(`\nDone. Start Roster with ROSTER_DATABASE_URL (or --database-url) pointing at this database (--remember records that in the data folder). ${result.source} was not changed.`);
    console.log('SMTP and SCIM passwords were copied encrypted: only this desktop (its data folder key) can read them; re-enter them on the others.');
    return 0;
  } catch (e) {
    if (e instanceof MoveRefusedError) {
      console.error(`Not moved: ${e.message}`);
      return 1;
    }
    console.error(`The move failed and was rolled back (the PostgreSQL database is as it was): ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

// Ctrl-C: exit normally, so the temporary snapshot is removed; PostgreSQL rolls the open transaction back.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    console.error('\nInterrupted: nothing was moved (the PostgreSQL transaction is rolled back).');
    process.exit(130);
  });

main().then((code) => process.exit(code));
