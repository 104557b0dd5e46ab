import { afterEach, describe, expect, it } from 'vitest';
import { createEnv, registerOwner, roleId, tokenOf, type TestEnv } from '../helpers';
import { inviteeDoor } from '../invitee-door';

// Issue 16, item 8: the export of pending links minted a new live link per member on every call
// and held the server for the whole export.

let env: TestEnv | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

async function liveInvitationLinks(e: TestEnv): Promise<Map<number, number>> {
  const rows = await e.store.db.selectFrom('link').select(['member_id']).where('purpose', '=', 'invitation').where('used_at', 'is', null).where('revoked_at', 'is', null).execute();
  const out = new Map<number, number>();
  for (const r of rows) out.set(r.member_id, (out.get(r.member_id) ?? 0) + 1);
  return out;
}

async function invitePending(e: TestEnv, owner: Awaited<ReturnType<typeof registerOwner>>['caller'], n: number): Promise<number[]> {
  const member = await roleId(owner, 'Member');
  const r = await owner.members.invite({ entries: Array.from({ length: n }, (_, i) => ({ email: `p${i}@example.org` })), grants: { roleIds: [member] } });
  expect(r.invited).toHaveLength(n);
  return r.invited.map((i) => i.memberId);
}

describe('exporting pending links', () => {
  it('keeps exactly one live link per pending member however often it is exported, the latest one, with one audit row each', async () => {
    env = await createEnv();
    const { caller: owner } = await registerOwner(env);
    const ids = await invitePending(env, owner, 3);
    const emailed = tokenOf(env.mail.find((m) => m.memberId === ids[0])!.url);

    const first = await owner.mail.exportPendingLinks();
    const second = await owner.mail.exportPendingLinks();
    expect(first.count).toBe(3);
    expect(second.count).toBe(3);

    const live = await liveInvitationLinks(env);
    expect(ids.map((id) => live.get(id))).toEqual([1, 1, 1]);

    // The latest export's link works; the emailed and the first exported link were superseded.
    const link = (csv: string) => /invite\/([A-Za-z0-9_-]{43})/.exec(csv.split('\r\n').find((l) => l.startsWith('"p0@example.org"'))!)![1]!;
    const door = inviteeDoor(env);
    await expect(door.inspect({ token: emailed, purpose: 'invitation' })).rejects.toThrow();
    await expect(door.inspect({ token: link(first.csv), purpose: 'invitation' })).rejects.toThrow();
    expect((await door.inspect({ token: link(second.csv), purpose: 'invitation' })).email).toBe('p0@example.org');

    const audit = await env.store.db.selectFrom('audit').select(['action']).where('action', '=', 'member.export_links').execute();
    expect(audit).toHaveLength(2);
  });

  it('answers other requests while a 5,000-member export runs', async () => {
    env = await createEnv();
    const { caller: owner } = await registerOwner(env);
    await invitePending(env, owner, 5000);
    const other = env.caller();
    await other.auth.signIn({ email: 'owner@acme.test', password: 'correct horse battery staple' });

    const finished: string[] = [];
    const exporting = owner.mail.exportPendingLinks().then((r) => {
      finished.push('export');
      return r;
    });
    // Issued after the export started: answered before it ends because the export yields between batches.
    const listing = other.members.list({ limit: 50 }).then(() => finished.push('list'));
    const [out] = await Promise.all([exporting, listing]);
    expect(finished).toEqual(['list', 'export']);
    expect(out.count).toBe(5000);
    const live = await liveInvitationLinks(env);
    expect(live.size).toBe(5000);
    expect([...live.values()].every((n) => n === 1)).toBe(true);
  }, 300_000);
});
