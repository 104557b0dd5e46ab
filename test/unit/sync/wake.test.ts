import { describe, expect, it, vi } from 'vitest';
import { inviteAndAccept } from '../helpers';
import { connect, syncEnv } from './env';

// The sender polls only every 10 minutes here: whatever arrives sooner was woken by the change itself.
const POLL_MS = 600_000;
const soon = { timeout: 30_000, interval: 100 };

describe('sync: a committed change wakes the sender', () => {
  it('member, role and sub-account commands reach the server without waiting for the poll', async () => {
    const e = await syncEnv({ pollMs: POLL_MS });
    const alice = await inviteAndAccept(e, e.owner, 'alice@example.org');
    e.sync.sender.start();
    await connect(e);
    await vi.waitFor(() => expect(e.scim.userByName('alice@example.org')).toBeDefined(), soon);
    await vi.waitFor(async () => expect((await e.owner.sync.status()).counts).toMatchObject({ pending: 0, queued: 0 }), soon);

    await e.owner.members.edit({ id: alice, name: 'Alice Liddell' });
    await vi.waitFor(() => expect(e.scim.userByName('alice@example.org')!.name?.formatted).toBe('Alice Liddell'), soon);

    await e.owner.members.deactivate({ ids: [alice] });
    await vi.waitFor(() => expect(e.scim.userByName('alice@example.org')!.active).toBe(false), soon);

    await e.owner.roles.create({ name: 'Support', permissions: ['members.view'] });
    await vi.waitFor(() => expect(e.scim.groupByName('Roster Support')).toBeDefined(), soon);

    await e.owner.accounts.create({ name: 'Europe' });
    await vi.waitFor(() => expect([...e.scim.groups.values()].some((g) => g.displayName.endsWith('/ Europe'))).toBe(true), soon);
  });
});
