import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** A real web-mode server process (out/main/serve.js: run `npx electron-vite build` first) and a small tRPC-over-HTTP client. */
export const SERVE = resolve(__dirname, '../../../out/main/serve.js');

export interface WebProcess {
  child: ChildProcess;
  base: string;
  dataDir: string;
  output(): string;
  /** Resolves once the process has written a line matching `pattern` (stdout or stderr). */
  waitForOutput(pattern: RegExp, ms?: number): Promise<void>;
  exited: Promise<number | null>;
  /** SIGTERM and wait; the data folder is removed. */
  stop(): Promise<void>;
}

export async function startWebProcess(databaseUrl: string, env: NodeJS.ProcessEnv = {}): Promise<WebProcess> {
  if (!existsSync(SERVE)) throw new Error('Build web mode first: npx electron-vite build');
  const dataDir = mkdtempSync(join(tmpdir(), 'roster-team-'));
  const child = spawn(process.execPath, [SERVE, '--port', '0', '--data-dir', dataDir, '--database-url', databaseUrl], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production', ROSTER_DATABASE_URL: '', ...env },
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  while (!/Roster listening on (\S+)/.test(out)) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`server exited: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const base = /Roster listening on (\S+)/.exec(out)![1]!;
  return {
    child,
    base,
    dataDir,
    output: () => out,
    waitForOutput: async (pattern, ms = 30_000) => {
      const until = Date.now() + ms;
      while (!pattern.test(out)) {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`server exited before writing ${pattern}: ${out}`);
        if (Date.now() > until) throw new Error(`server did not write ${pattern} within ${ms} ms: ${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface TrpcError {
  message: string;
  status: number;
  code: string;
  domainCode: string | null;
}

export class CallFailed extends Error {
  constructor(readonly error: TrpcError) {
    super(error.message);
  }
}

/** One browser on one process: its session cookie and tRPC calls over HTTP. */
export class Browser {
  cookie = '';
  constructor(readonly server: WebProcess) {}

  private async answer<T>(res: Response): Promise<T> {
    const cookies = res.headers.getSetCookie().map((c) => c.split(';')[0]!);
    if (cookies.length) this.cookie = cookies.join('; ');
    const body = (await res.json()) as { result?: { data: T }; error?: { message: string; data?: { code?: string; httpStatus?: number; domainCode?: string | null } } };
    if (body.error) throw new CallFailed({ message: body.error.message, status: res.status, code: body.error.data?.code ?? '', domainCode: body.error.data?.domainCode ?? null });
    return body.result!.data;
  }

  async mutation<T = unknown>(path: string, input: unknown): Promise<T> {
    const res = await fetch(`${this.server.base}/trpc/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: this.cookie }, body: JSON.stringify(input) });
    return this.answer<T>(res);
  }

  async query<T = unknown>(path: string, input?: unknown): Promise<T> {
    const q = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
    const res = await fetch(`${this.server.base}/trpc/${path}${q}`, { headers: { cookie: this.cookie } });
    return this.answer<T>(res);
  }

  /**
   * Opens /events; `next(name)` resolves when that event arrives (after the call), `count(name)`
   * counts them (both leave out background changes: mail and sync outcomes, expiry, which
   * `nextBackground()` waits for), `closed` resolves when the server ends the stream, `close()` ends it.
   */
  async openEvents(): Promise<{ next(name: string): Promise<void>; nextBackground(): Promise<void>; count(name: string): number; closed: Promise<void>; close(): void }> {
    const controller = new AbortController();
    const res = await fetch(`${this.server.base}/events`, { headers: { cookie: this.cookie }, signal: controller.signal });
    if (res.status !== 200) throw new Error(`/events answered ${res.status}`);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    let waiters: Array<{ name: string; seen: number; resolve: () => void }> = [];
    const BACKGROUND = '\u0000background';
    const count = (name: string) =>
      name === BACKGROUND ? text.split('data: {"background":true}\n').length - 1 : text.split(`event: ${name}\ndata: {}\n`).length - 1;
    let ended: () => void = () => undefined;
    const closed = new Promise<void>((r) => (ended = r));
    void (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return ended();
          text += decoder.decode(value, { stream: true });
          waiters = waiters.filter((w) => (count(w.name) > w.seen ? (w.resolve(), false) : true));
        }
      } catch {
        /* aborted */
        ended();
      }
    })();
    return {
      count,
      closed,
      next: (name) => new Promise<void>((resolve) => waiters.push({ name, seen: count(name), resolve })),
      nextBackground: () => new Promise<void>((resolve) => waiters.push({ name: BACKGROUND, seen: count(BACKGROUND), resolve })),
      close: () => controller.abort(),
    };
  }
}
