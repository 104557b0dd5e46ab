import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findMember } from '../../../src/main/db/repos/members.repo';
import { readInstallSetting, writeInstallSetting } from '../../../src/main/db/repos/settings.repo';
import { inviteMembers } from '../../../src/main/services/members';
import { loadAuthz } from '../../../src/main/services/organizations';
import { BATCH_WORKER_MIN_ENTRIES } from '../../../src/main/workers/batch-runner';
import { BATCH_THREAD_NICE } from '../../../src/main/workers/thread-priority';
import { TEST_STORE, createEnv, registerOwner, roleId, type Caller, type TestEnv } from '../helpers';

/** A long invite batch runs off the request path (a worker thread on SQLite, the pool on PostgreSQL): others are answered meanwhile. */
describe('a long invite batch does not stall other requests', () => {
  let env: TestEnv;
  let owner: Caller;
  let organizationId: number;
  let memberId: number;

  beforeAll(async () => {
    env = await createEnv();
    const r = await registerOwner(env);
    owner = r.caller;
    organizationId = r.organizationId;
    memberId = r.memberId;
  });
  afterAll(async () => {
    await env.close();
  });

  it('a members list asked while the batch writes is answered before the batch ends, without its rows; then all of them are there', async () => {
    const me = await findMember(env.store.db, organizationId, memberId);
    const actor = { personId: me!.person_id!, memberId, label: 'owner', authz: await loadAuthz(env.store.db, organizationId, memberId) };
    const entries = Array.from({ length: 20_000 }, (_, i) => ({ email: `bulk${i}@example${i % 13}.test` }));
    const order: string[] = [];
    let listed: Promise<number> | null = null;
    const batch = inviteMembers(env.services.deps, actor, organizationId, { entries, grants: { roleIds: [], accountIds: [], permissions: [] }, resendExisting: false }, (p) => {
      // The signal: the batch is inside its transaction, writing its rows.
      if (p.stage === 'writing' && !listed) {
        // The admin comes back after a while: the call also moves the session's last activity forward.
        env.clock.advance(60_000);
        listed = owner.members.list({}).then((l) => {
          order.push('list');
          return l.items.length;
        });
      }
    }).then((r) => {
      order.push('batch');
      return r;
    });
    const result = await batch;
    expect(listed).not.toBeNull();
    expect(await listed).toBe(1);
    expect(order).toEqual(['list', 'batch']);
    expect(result.invited).toHaveLength(20_000);
    expect((await owner.members.list({ search: 'bulk19999@' })).items).toHaveLength(1);
    // The capture heard of every link, once.
    expect(env.mail.filter((m) => m.email.startsWith('bulk'))).toHaveLength(20_000);
  });
  it('an edit and a lone write asked while the batch writes wait for it without holding up a read asked after them', async () => {
    const me = await findMember(env.store.db, organizationId, memberId);
    const actor = { personId: me!.person_id!, memberId, label: 'owner', authz: await loadAuthz(env.store.db, organizationId, memberId) };
    const entries = Array.from({ length: 20_000 }, (_, i) => ({ email: `wait${i}@example${i % 13}.test` }));
    const order: string[] = [];
    let asked: Promise<unknown>[] | null = null;
    const batch = inviteMembers(env.services.deps, actor, organizationId, { entries, grants: { roleIds: [], accountIds: [], permissions: [] }, resendExisting: false }, (p) => {
      if (p.stage === 'writing' && !asked) {
        // A write that met the worker's lock used to sleep in SQLite's busy handler on this thread: the
        // read asked after it waited for the whole batch (or the write failed with "database is locked").
        asked = [
          owner.members.edit({ id: memberId, name: 'Owner Renamed' }).then(() => order.push('edit')),
          writeInstallSetting(env.store.db, 'batch-gate-test', 'written').then(() => order.push('lone write')),
          owner.members.list({ search: 'Owner' }).then(() => order.push('read')),
        ];
      }
    }).then((r) => {
      order.push('batch');
      return r;
    });
    const result = await batch;
    expect(asked).not.toBeNull();
    await Promise.all(asked!);
    expect(result.invited).toHaveLength(20_000);
    expect(order.indexOf('read')).toBeLessThan(order.indexOf('batch'));
    // SQLite has one writer at a time: the writes land after the batch. PostgreSQL's rows do not conflict.
    if (TEST_STORE === 'sqlite') expect(order.slice(order.indexOf('batch') + 1).sort()).toEqual(['edit', 'lone write']);
    expect((await owner.members.list({ search: 'Owner Renamed' })).items).toHaveLength(1);
    expect(await readInstallSetting(env.store.db, 'batch-gate-test')).toBe('written');
  });
});

describe.runIf(TEST_STORE === 'sqlite')('a SIGKILL during a worker batch', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'roster-batch-kill-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('leaves all of the batch or none of it: members, links, audit rows', async () => {
    const file = join(dir, 'roster.sqlite');
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(__dirname, 'batch-child.ts'), file, '20000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<void>((r) => child.on('exit', () => r()));
    await new Promise<void>((ok, fail) => {
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('WRITING')) ok();
      });
      child.on('exit', () => fail(new Error(`the child ended before writing: ${out}`)));
    });
    child.kill('SIGKILL');
    await exited;
    const db = new SQLite(file);
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const count = (q: string) => (db.prepare(q).get() as { n: number }).n;
      const members = count("SELECT count(*) AS n FROM member WHERE email LIKE 'p%@kill%'");
      const links = count("SELECT count(*) AS n FROM link WHERE purpose = 'invitation'");
      const audits = count("SELECT count(*) AS n FROM audit WHERE action = 'member.invite'");
      expect([0, 20_000]).toContain(members);
      expect(links).toBe(members);
      expect(audits).toBe(members);
    } finally {
      db.close();
    }
  });
});

/** Each thread of this process with its nice value (Linux: /proc/self/task/<tid>/stat, the 19th field). */
function threadNices(): Map<number, number> {
  const nices = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      nices.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
    } catch {
      // The thread ended meanwhile.
    }
  }
  return nices;
}

// Skipped with reason: only SQLite file stores have a batch worker (PostgreSQL's pool keeps batches off the event
// loop), and only Linux keeps a nice value per thread (Node sets a whole process's priority elsewhere).
describe.skipIf(TEST_STORE === 'postgres' || process.platform !== 'linux')('the batch worker yields the cores to the event loop (Linux)', () => {
  it('runs its batches at a lower priority than the thread that answers requests', async () => {
    const before = [...threadNices().values()].filter((n) => n === BATCH_THREAD_NICE).length;
    const env = await createEnv();
    try {
      const { caller: owner } = await registerOwner(env);
      const member = await roleId(owner, 'Member');
      await owner.members.invite({ entries: Array.from({ length: BATCH_WORKER_MIN_ENTRIES }, (_, i) => ({ email: `nice${i}@example.org` })), grants: { roleIds: [member] } });
      const nices = threadNices();
      expect(nices.get(process.pid)).toBe(0);
      expect([...nices.values()].filter((n) => n === BATCH_THREAD_NICE).length).toBeGreaterThan(before);
    } finally {
      await env.close();
    }
  });
});
