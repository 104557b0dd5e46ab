import { expect, test } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { createTestDatabase, startPostgres, type RunningPostgres } from '../support/postgres';
import { registerOwner, startWebMode } from './fixtures';

/**
 * The first screen's choice of store (issue 13, item 1), in web mode on loopback (the desktop
 * window serves the same page): "This computer only" is the default and registers at once; "A
 * shared PostgreSQL server" tests the URL, refuses a bad one, records a good one and asks for a
 * restart; the restarted Roster opens PostgreSQL and shows the register screen there.
 */
test.describe('first run: where the directory is kept', () => {
  let cluster: RunningPostgres | null = null;
  let database: { url: string; drop(): Promise<void> } | null = null;
  let server: ChildProcess | null = null;
  const dataDir = mkdtempSync(join(tmpdir(), 'roster-e2e-first-run-'));

  test.beforeAll(async () => {
    cluster = await startPostgres();
    database = await createTestDatabase(cluster.adminUrl);
  });

  test.afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server!.once('exit', r));
    }
    await database?.drop();
    cluster?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('offers the choice, refuses a bad URL, records a good one, and the restarted Roster registers on PostgreSQL', async ({ page }) => {
    const first = await startWebMode(dataDir, { ROSTER_DATABASE_URL: '' });
    server = first.child;
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(first.baseURL);
    await expect(page.getByRole('heading', { name: 'Set up your organization' })).toBeVisible();
    const choice = page.getByRole('radiogroup', { name: 'Where should Roster keep the directory?' });
    await expect(choice.getByRole('radio', { name: 'This computer only' })).toBeChecked();
    await expect(page.getByRole('button', { name: 'Create organization' })).toBeVisible();
    await page.screenshot({ path: 'test-results/screens/first-run-default-1280.png' });

    await choice.getByRole('radio', { name: 'A shared PostgreSQL server' }).check();
    await expect(page.getByRole('button', { name: 'Create organization' })).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Use this database' })).toBeDisabled();
    const url = page.getByLabel('PostgreSQL URL');
    await url.fill('postgres://roster:s3cret-pw@127.0.0.1:1/roster');
    await page.getByRole('button', { name: 'Test connection' }).click();
    const refused = page.getByRole('alert').filter({ hasText: 'Cannot use this database' });
    await expect(refused).toContainText('refused the connection');
    await expect(refused).not.toContainText('s3cret-pw');
    await expect(page.getByRole('button', { name: 'Use this database' })).toBeDisabled();
    expect(existsSync(join(dataDir, 'store.json'))).toBe(false);

    await url.fill(database!.url);
    await page.getByRole('button', { name: 'Test connection' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Connection works' })).toContainText('is empty: Roster will set it up there');
    await page.screenshot({ path: 'test-results/screens/first-run-postgres-1280.png' });
    await page.getByRole('button', { name: 'Use this database' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Restart Roster' })).toContainText('it will set up the directory there');
    // Started directly (not through `npm start`), web mode cannot restart itself: the page says what to do.
    await expect(page.getByText('Stop Roster and start it again: it will open the new store.')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Restart now' })).toHaveCount(0);
    await page.screenshot({ path: 'test-results/screens/first-run-restart-1280.png' });
    expect(statSync(join(dataDir, 'store.json')).mode & 0o777).toBe(0o600);
    // A change of mind before the restart, then the same choice again.
    await page.getByRole('button', { name: 'Keep it on this computer instead' }).click();
    await expect(page.getByRole('radio', { name: 'This computer only' })).toBeChecked();
    await expect(page.getByRole('button', { name: 'Create organization' })).toBeVisible();
    expect(existsSync(join(dataDir, 'store.json'))).toBe(false);
    await page.getByRole('radio', { name: 'A shared PostgreSQL server' }).check();
    await page.getByLabel('PostgreSQL URL').fill(database!.url);
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByRole('button', { name: 'Use this database' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Restart Roster' })).toBeVisible();
    expect(existsSync(join(dataDir, 'store.json'))).toBe(true);

    // The restart: the same data folder now opens PostgreSQL, whose empty directory asks for its Owner.
    server.kill('SIGTERM');
    await new Promise((r) => server!.once('exit', r));
    const second = await startWebMode(dataDir, { ROSTER_DATABASE_URL: '' });
    server = second.child;
    await page.goto(second.baseURL);
    await expect(page.getByRole('heading', { name: 'Set up your organization' })).toBeVisible();
    await expect(page.getByRole('radiogroup', { name: 'Where should Roster keep the directory?' })).toHaveCount(0);
    await registerOwner(page);
    await page.getByRole('link', { name: 'Settings' }).click();
    await expect(page.getByText(/A shared PostgreSQL server: database roster_\w+ on 127\.0\.0\.1/)).toContainText('chosen on this computer');
  });

  test('under `npm start`, "Restart now" brings Roster back on the chosen database and the page follows it', async ({ page }) => {
    const ownDir = mkdtempSync(join(tmpdir(), 'roster-e2e-restart-'));
    const target = await createTestDatabase(cluster!.adminUrl);
    const port = await freePort();
    // scripts/start.mjs: no Electron binary here, so it supervises web mode (the same command as `npm start`).
    const supervisor = spawn(process.execPath, [resolve('scripts/start.mjs'), '--port', String(port), '--data-dir', ownDir], {
      env: { ...process.env, NODE_ENV: 'test', ROSTER_DATABASE_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    supervisor.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    supervisor.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const listening = async (times: number) => expect.poll(() => out.split('Roster listening on').length - 1, { timeout: 60_000 }).toBe(times);
    try {
      await listening(1);
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.getByRole('radiogroup', { name: 'Where should Roster keep the directory?' }).getByRole('radio', { name: 'A shared PostgreSQL server' }).check();
      await page.getByLabel('PostgreSQL URL').fill(target.url);
      await page.getByRole('button', { name: 'Test connection' }).click();
      await expect(page.getByRole('status').filter({ hasText: 'Connection works' })).toBeVisible();
      await page.getByRole('button', { name: 'Use this database' }).click();
      await expect(page.getByRole('button', { name: 'Restart now' })).toBeVisible();
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.screenshot({ path: 'test-results/screens/first-run-restart-now-1280.png' });
      await page.getByRole('button', { name: 'Restart now' }).click();
      await expect(page.getByRole('status').filter({ hasText: 'Restarting Roster' })).toBeVisible();
      // A second process on the same port, opening PostgreSQL; the page reloads by itself onto it.
      await listening(2);
      // The lines after "listening" can come in a later chunk of the child's output: wait for them.
      await expect.poll(() => out, { timeout: 10_000 }).toContain('Directory: PostgreSQL');
      await expect(page.getByRole('heading', { name: 'Set up your organization' })).toBeVisible();
      await expect(page.getByRole('radiogroup', { name: 'Where should Roster keep the directory?' })).toHaveCount(0);
      await registerOwner(page);
      await page.getByRole('link', { name: 'Settings' }).click();
      await expect(page.getByText(/A shared PostgreSQL server: database roster_\w+ on 127\.0\.0\.1/)).toContainText('chosen on this computer');
    } finally {
      supervisor.kill('SIGTERM');
      if (supervisor.exitCode === null) await new Promise((r) => supervisor.once('exit', r));
      await target.drop();
      rmSync(ownDir, { recursive: true, force: true });
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => ok(port));
    });
  });
}
