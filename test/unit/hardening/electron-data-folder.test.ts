import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DataFolderNotWritable,
  NOT_WRITABLE_REASONS,
  asNotWritable,
  notWritableMessage,
  notWritableReason,
  writingTo,
} from '../../../src/main/core/data-folder';
import { lockDataFolder } from '../../../src/main/data-lock';

/**
 * A data folder Roster cannot write (issue 16, also): the start names the path and the reason, says
 * what to do, exits non-zero and writes nothing. The reasons are a table; the real process runs on a
 * read-only file system (a tmpfs mounted read-only, which stops root too) and, when not root, on a
 * folder without write permission (root ignores permission bits, so that case cannot be honest as root).
 */
const SERVE = resolve(__dirname, '../../../out/main/serve.js');

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: something, open '/x'`), { code });
}

describe('the reason in words', () => {
  const table: [string, string | null][] = [
    ['EROFS', 'read-only file system'],
    ['EACCES', 'permission denied'],
    ['EPERM', 'permission denied'],
    ['ENOSPC', 'the disk is full'],
    ['EDQUOT', 'the disk quota is used up'],
    ['ENOTDIR', 'part of the path is a file, not a folder'],
    ['EEXIST', 'a file of that name is in the way, not a folder'],
    ['ENAMETOOLONG', 'the path is too long'],
    ['ELOOP', 'the path loops through symbolic links'],
    ['EISDIR', 'a folder is where Roster keeps a file'],
    ['EMFILE', null],
    ['EIO', null],
  ];
  it.each(table)('%s → %s', (code, reason) => {
    expect(notWritableReason(errno(code))?.reason ?? null).toBe(reason);
  });

  it('every listed code has a reason; non-fs errors are not folder problems', () => {
    for (const [code, reason] of Object.entries(NOT_WRITABLE_REASONS)) expect(reason, code).toMatch(/^[a-z]/);
    expect(notWritableReason(new Error('boom'))).toBeNull();
    expect(notWritableReason(null)).toBeNull();
    expect(notWritableReason('EROFS')).toBeNull();
  });

  it('the message says which path, why and what to do', () => {
    const e = asNotWritable('/srv/roster', errno('EROFS'));
    expect(e).toBeInstanceOf(DataFolderNotWritable);
    expect(notWritableMessage(e as DataFolderNotWritable, '--data-dir')).toBe(
      'Roster cannot write to /srv/roster: read-only file system; choose another folder with --data-dir or fix its permissions.',
    );
  });

  it('other errors pass through unchanged', () => {
    const other = errno('EIO');
    expect(asNotWritable('/x', other)).toBe(other);
    expect(() => writingTo('/x', () => { throw other; })).toThrow(other);
    expect(writingTo('/x', () => 7)).toBe(7);
  });
});

describe('lockDataFolder on a folder it cannot write', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'roster-ro-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a file where the folder should be: refused naming the folder, nothing written', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const target = join(file, 'data');
    expect(() => lockDataFolder(target)).toThrow(new DataFolderNotWritable(target, NOT_WRITABLE_REASONS.ENOTDIR!, 'ENOTDIR'));
    expect(readFileSync(file, 'utf8')).toBe('x');
  });

  it('a read-only store file in a writable folder (not as root: root may write it): refused naming the file, no lock left', (ctx) => {
    if (process.getuid?.() === 0) return ctx.skip('running as root, which ignores permission bits');
    const folder = join(dir, 'store-ro');
    mkdirSync(folder);
    writeFileSync(join(folder, 'roster.sqlite'), 'x');
    chmodSync(join(folder, 'roster.sqlite'), 0o444);
    expect(() => lockDataFolder(folder)).toThrow(/cannot write to .*roster\.sqlite: permission denied/);
    expect(readdirSync(folder)).toEqual(['roster.sqlite']);
  });
});

function run(dataDir: string): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [SERVE, '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'production' } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => done({ code, output }));
  });
}

/** A listing with sizes and contents, to show nothing changed. */
function snapshot(folder: string): string {
  return readdirSync(folder)
    .sort()
    .map((name) => `${name}:${readFileSync(join(folder, name)).toString('base64')}`)
    .join('\n');
}

describe('web mode on a data folder it cannot write (real process)', () => {
  let root: string;
  let mounted: string | null = null;
  let mountProblem = '';
  beforeAll(() => {
    if (!existsSync(SERVE)) throw new Error('Build web mode first: npx electron-vite build');
    root = mkdtempSync(join(tmpdir(), 'roster-ro-serve-'));
    const mnt = join(root, 'ro');
    mkdirSync(mnt);
    try {
      // A small tmpfs with a file in it, then remounted read-only: EROFS for every user, root included.
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt], { stdio: 'pipe' });
      writeFileSync(join(mnt, 'roster.sqlite'), 'not touched');
      execFileSync('mount', ['-o', 'remount,ro', mnt], { stdio: 'pipe' });
      mounted = mnt;
    } catch (e) {
      mountProblem = e instanceof Error ? e.message.split('\n')[0]! : String(e);
      try {
        execFileSync('umount', [mnt], { stdio: 'pipe' });
      } catch {
        // Was not mounted.
      }
    }
  });
  afterAll(() => {
    if (mounted) execFileSync('umount', [mounted], { stdio: 'pipe' });
    rmSync(root, { recursive: true, force: true });
  });

  it('a read-only file system: says the path and "read-only file system", exits 4, writes nothing', async (ctx) => {
    if (!mounted) return ctx.skip(`cannot mount a read-only tmpfs here (needs root with CAP_SYS_ADMIN): ${mountProblem}`);
    const before = snapshot(mounted);
    const { code, output } = await run(mounted);
    expect(code).toBe(4);
    expect(output).toContain(`Roster cannot write to ${mounted}: read-only file system; choose another folder with --data-dir or fix its permissions.`);
    expect(output).not.toContain('listening');
    expect(snapshot(mounted)).toBe(before);
  });

  it('a new folder inside a read-only file system: names the folder it would create', async (ctx) => {
    if (!mounted) return ctx.skip(`cannot mount a read-only tmpfs here (needs root with CAP_SYS_ADMIN): ${mountProblem}`);
    const inside = join(mounted, 'roster-data');
    const { code, output } = await run(inside);
    expect(code).toBe(4);
    expect(output).toContain(`Roster cannot write to ${inside}: read-only file system;`);
    expect(existsSync(inside)).toBe(false);
  });

  it('a folder without write permission (chmod 0555): "permission denied", exits 4, writes nothing', async (ctx) => {
    if (process.getuid?.() === 0) return ctx.skip('running as root, which ignores permission bits: the read-only mount above covers root');
    const folder = join(root, 'no-write');
    mkdirSync(folder);
    chmodSync(folder, 0o555);
    try {
      const { code, output } = await run(folder);
      expect(code).toBe(4);
      expect(output).toContain(`Roster cannot write to ${folder}: permission denied; choose another folder with --data-dir`);
      expect(readdirSync(folder)).toEqual([]);
    } finally {
      chmodSync(folder, 0o755);
    }
  });
});
