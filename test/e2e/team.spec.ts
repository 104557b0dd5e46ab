import { expect, test, type Page } from '@playwright/test';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, startPostgres, type RunningPostgres } from '../support/postgres';
import { inviteByChips, OWNER, registerOwner, startWebMode } from './fixtures';

/**
 * Team mode (issue 13) in the browser: two web-mode servers on one PostgreSQL database (a throwaway
 * cluster started here, as the unit tests do). Admin A invites; admin B's open console shows the
 * row without a reload (PostgreSQL LISTEN/NOTIFY → B's /events stream).
 */

interface Server {
  child: ChildProcess;
  baseURL: string;
  dataDir: string;
}

/** Web mode on the shared database, with its own data folder; waits for its "listening" line. */
async function serve(databaseUrl: string): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), 'roster-e2e-team-'));
  const { child, baseURL } = await startWebMode(dataDir, { ROSTER_DATABASE_URL: '' }, ['--database-url', databaseUrl]);
  return { child, baseURL, dataDir };
}

async function signIn(page: Page): Promise<void> {
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await page.getByRole('textbox', { name: 'Email' }).fill(OWNER.email);
  await page.getByRole('textbox', { name: 'Password' }).fill(OWNER.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Members' })).toBeVisible({ timeout: 30_000 });
}

test.describe('team mode: two desktops on one PostgreSQL database', () => {
  // Runs everywhere `npm test` runs: scripts/test.sh installs PostgreSQL before this; where it is missing,
  // startPostgres fails saying what to install (or to set ROSTER_PG_BIN).
  let cluster: RunningPostgres | null = null;
  let database: { url: string; drop(): Promise<void> } | null = null;
  const servers: Server[] = [];

  test.beforeAll(async () => {
    cluster = await startPostgres();
    database = await createTestDatabase(cluster.adminUrl);
    // The first start migrates the empty database; the second finds it ready.
    servers.push(await serve(database.url));
    servers.push(await serve(database.url));
  });

  test.afterAll(async () => {
    for (const s of servers) {
      if (s.child.exitCode === null) {
        s.child.kill('SIGTERM');
        await new Promise((r) => s.child.once('exit', r));
      }
      rmSync(s.dataDir, { recursive: true, force: true });
    }
    await database?.drop();
    cluster?.stop();
  });

  test("admin A invites someone; admin B's open Members screen on the other server shows the row without a reload", async ({ browser }) => {
    const [a, b] = servers as [Server, Server];
    const pageA = await (await browser.newContext()).newPage();
    await pageA.goto(a.baseURL);
    await registerOwner(pageA);
    const pageB = await (await browser.newContext()).newPage();
    await pageB.goto(b.baseURL);
    await signIn(pageB);
    // A mark on B's page: a reload would wipe it.
    await pageB.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    const rowOnB = pageB.getByRole('table', { name: 'Members' }).getByRole('row', { name: 'live@acme.test' });
    await expect(rowOnB).toHaveCount(0);

    await inviteByChips(pageA, ['live@acme.test']);

    await expect(rowOnB).toContainText('Pending');
    expect(await pageB.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
  });
});
