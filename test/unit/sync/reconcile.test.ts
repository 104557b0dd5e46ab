import { describe, expect, it } from 'vitest';
import { inviteAndAccept } from '../helpers';
import { connect, syncEnv, writes } from './env';

describe('sync: reconcile', () => {
  it('finds a remote-only and a drifted user with reads only, and "push again" repairs the drift', async () => {
    const e = await syncEnv();
    await e.owner.members.edit({ id: await inviteAndAccept(e, e.owner, 'alice@example.org'), name: 'Alice Liddell' });
    await connect(e);
    await e.owner.sync.pushNow();
    e.scim.users.set('stranger', { id: 'stranger', userName: 'stranger@example.org', active: true });
    const alice = e.scim.userByName('alice@example.org')!;
    alice.displayName = 'Someone Else';
    alice.active = false;
    const n = writes(e.scim).length;

    const report = await e.owner.sync.reconcile();
    expect(writes(e.scim)).toHaveLength(n);
    expect(report.remoteOnly).toContainEqual({ remoteId: 'stranger', name: 'stranger@example.org' });
    const drift = report.drifted.find((d) => d.label === 'alice@example.org')!;
    expect(drift.attributes).toEqual(
      expect.arrayContaining([
        { attribute: 'displayName', written: 'Alice Liddell', remote: 'Someone Else' },
        { attribute: 'active', written: true, remote: false },
      ]),
    );
    expect(report.localOnly).toEqual([]);

    await e.owner.sync.objectAction({ objectId: drift.objectId, action: 'repush' });
    await e.owner.sync.pushNow();
    expect(e.scim.userByName('alice@example.org')).toMatchObject({ id: alice.id, displayName: 'Alice Liddell', active: true });
    expect((await e.owner.sync.reconcile()).drifted.find((d) => d.label === 'alice@example.org')).toBeUndefined();
  });
});
