import { _electron, test as base, expect, type APIRequestContext, type Browser, type ElectronApplication, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface RosterApp {
  baseURL: string;
  dataDir: string;
  /** Moves the server's clock (exists only when NODE_ENV=test). */
  advanceClock(ms: number): Promise<void>;
}

export const OWNER = { organization: 'Acme Robotics', name: 'Ada Owner', email: 'ada@acme.test', password: 'correct horse battery staple' };

/** Starts web mode with its own data folder and waits for its "listening" line, not for a timeout. */
export async function startWebMode(dataDir: string, env: Record<string, string> = {}, args: string[] = []): Promise<{ child: ChildProcess; baseURL: string }> {
  const child = spawn(process.execPath, [resolve('out/main/serve.js'), '--port', '0', '--data-dir', dataDir, ...args], {
    env: { ...process.env, ...env, NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const baseURL = await new Promise<string>((ok, fail) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Roster listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) ok(m[1]!);
    });
    child.stderr!.on('data', (d: Buffer) => {
      out += d.toString();
      process.stderr.write(d);
    });
    child.on('exit', (code) => fail(new Error(`web mode exited with ${code}: ${out}`)));
  });
  return { child, baseURL };
}

/** The desktop app under Playwright's Electron driver (only where the Electron binary exists). */
async function startDesktop(dataDir: string): Promise<ElectronApplication> {
  return _electron.launch({ args: [resolve('out/main/index.js')], env: { ...process.env, NODE_ENV: 'test', ROSTER_DATA_DIR: dataDir } as Record<string, string> });
}

export const test = base.extend<{ roster: RosterApp; desktop: ElectronApplication | null }>({
  // Playwright requires an object pattern here even when no fixture is used.
  // oxlint-disable-next-line no-empty-pattern
  desktop: async ({}, use, testInfo) => {
    if (testInfo.project.name !== 'electron') return use(null);
    const dataDir = mkdtempSync(join(tmpdir(), 'roster-e2e-desktop-'));
    const app = await startDesktop(dataDir);
    await use(app);
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  },
  roster: async ({ desktop }, use) => {
    if (desktop) {
      // The desktop app has no HTTP console: specs tagged @desktop use the window only.
      await use({ baseURL: '', dataDir: '', advanceClock: async () => Promise.reject(new Error('The clock hook exists in web mode only')) });
      return;
    }
    const dataDir = mkdtempSync(join(tmpdir(), 'roster-e2e-'));
    const { child, baseURL } = await startWebMode(dataDir);
    await use({
      baseURL,
      dataDir,
      advanceClock: async (ms) => {
        const res = await fetch(`${baseURL}/__test/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advanceMs: ms }) });
        expect(res.ok).toBe(true);
      },
    });
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  },
  page: async ({ page, roster, desktop }, use) => {
    if (desktop) {
      await use(await desktop.firstWindow());
      return;
    }
    await page.goto(roster.baseURL);
    await use(page);
  },
});

export { expect };

export async function registerOwner(page: Page): Promise<void> {
  await expect(page.getByRole('heading', { name: 'Set up your organization' })).toBeVisible();
  await page.getByLabel('Organization name').fill(OWNER.organization);
  await page.getByLabel('Your name').fill(OWNER.name);
  await page.getByRole('textbox', { name: 'Email' }).fill(OWNER.email);
  await page.getByRole('textbox', { name: 'Password' }).fill(OWNER.password);
  await page.getByRole('button', { name: 'Create organization' }).click();
  // Registration hashes a password (scrypt): slow on a loaded machine.
  await expect(page.getByRole('heading', { name: 'Members' })).toBeVisible({ timeout: 30_000 });
}

export async function inviteByChips(page: Page, addresses: string[]): Promise<void> {
  await page.getByRole('button', { name: 'Invite people' }).click();
  const dialog = page.getByRole('dialog', { name: 'Invite people' });
  const input = dialog.getByRole('combobox', { name: 'Email addresses' });
  for (const a of addresses) {
    await input.fill(a);
    await input.press('Enter');
  }
  await expect(dialog.getByRole('region', { name: 'Preview' })).toContainText(`${addresses.length} to invite`);
  await dialog.getByRole('button', { name: /^Send \d+ invitation/ }).click();
  await expect(dialog.getByText(/^Invitations (sent|created)$/)).toBeVisible();
  await dialog.getByRole('button', { name: 'Done' }).click();
}

/** Calls the router over HTTP with the page's cookies, as the console's own web client does. */
export async function api<T>(request: APIRequestContext, baseURL: string, path: string, input?: unknown, method: 'query' | 'mutation' = 'mutation'): Promise<T> {
  const headers = { 'x-roster-client': 'web' };
  const res =
    method === 'query'
      ? await request.get(`${baseURL}/trpc/${path}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`, { headers })
      : await request.post(`${baseURL}/trpc/${path}`, { headers, data: input ?? {} });
  const body = (await res.json()) as { result?: { data: T }; error?: unknown };
  if (!res.ok() || !body.result) throw new Error(`${path}: ${res.status()} ${JSON.stringify(body.error)}`);
  return body.result.data;
}

/** Accepts an invitation on the portal's page (the only door for a token): the form's CSRF cookie and value, then the post. */
export async function acceptOnPortal(baseURL: string, token: string, password: string = OWNER.password): Promise<void> {
  const form = await fetch(`${baseURL}/invite/${token}`);
  const cookie = form.headers.get('set-cookie')!.split(';')[0]!;
  const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())![1]!;
  const res = await fetch(`${baseURL}/invite/${token}/accept`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ csrf, password, confirm: password }),
  });
  expect(res.ok).toBe(true);
}

/** Accepts a pending member's invitation (found by email) with the link the Owner copies, with the Owner's test password. */
export async function acceptInvitation(owner: Page, baseURL: string, email: string): Promise<void> {
  const list = await api<{ items: { id: number; email: string }[] }>(owner.request, baseURL, 'members.list', { search: email }, 'query');
  const id = list.items.find((m) => m.email === email)!.id;
  const { url } = await api<{ url: string }>(owner.request, baseURL, 'members.copyInviteLink', { id });
  await acceptOnPortal(baseURL, url.split('/').pop()!);
}

/** Signs a person in from a fresh browser context (its own cookies), as on a second admin's desktop. */
export async function signInElsewhere(browser: Browser, baseURL: string, email: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(baseURL);
  await page.getByRole('textbox', { name: 'Email' }).fill(email);
  await page.getByRole('textbox', { name: 'Password' }).fill(OWNER.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  return page;
}
