import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/main/db/connect';
import { moveToPostgres } from '../../src/main/db/move-to-postgres';
import { createTestDatabase, startPostgres } from '../support/postgres';
async function main() {
  const s = await startPostgres();
  const dir = mkdtempSync(join(tmpdir(), 'roster-bench-keep-'));
  cpSync('/tmp/roster-bench-browser-cache/3df17fa35f0a-100000', dir, { recursive: true });
  await (await openStore(join(dir, 'roster.sqlite'))).close();
  const t = await createTestDatabase(s.adminUrl);
  await moveToPostgres({ from: dir, databaseUrl: t.url });
  writeFileSync('/tmp/pgb-keep.txt', `${t.url}\n${dir}\n`);
  console.log('ready', t.url, dir);
  process.on('SIGTERM', () => { s.stop(); process.exit(0); });
  setInterval(() => {}, 1e9);
}
void main();
