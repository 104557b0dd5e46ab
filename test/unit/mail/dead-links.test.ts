import { afterEach, describe, expect, it } from 'vitest';
import { insertOutboxRows } from '../../../src/main/db/repos/outbox.repo';
import { OWNER_EMAIL, PASSWORD, tokenOf, type Caller } from '../helpers';
import { inviteeDoor } from '../invitee-door';
import { createMailEnv, linkIn, mailTestLifecycle, outboxRows, smtpConfig, type MailEnv, type TestSmtp } from './smtp';

/** Issue 16, item 2: the sender checks, in the transaction that claims a mail, that its link is still live. */
const open = mailTestLifecycle(afterEach);

async function setup(): Promise<{ env: MailEnv; smtp: TestSmtp; owner: Caller; roleId: number }> {
  const { env, smtp } = await open({}, (server) => createMailEnv(smtpConfig(server), { batchSize: 50 }));
  const owner = env.caller();
  await owner.auth.register({ organizationName: 'Acme', email: OWNER_EMAIL, password: PASSWORD });
  const roles = await owner.roles.list();
  return { env, smtp, owner, roleId: roles.find((r) => r.name === 'Member')!.id };
}

const outbox = outboxRows;

describe('mail for dead links is never sent', () => {
  it('invite 300, cancel them at once, drain: nothing delivered, 300 dropped with the reason', async () => {
    const { env, smtp, owner, roleId } = await setup();
    const entries = Array.from({ length: 300 }, (_, i) => ({ email: `guest${i}@example.org` }));
    const r = await owner.members.invite({ entries, grants: { roleIds: [roleId] } });
    expect(r.invited).toHaveLength(300);
    await owner.members.cancel({ ids: r.invited.map((i) => i.memberId) });

    const drained = await env.mail.sender.drainAll();
    expect(drained).toMatchObject({ claimed: 0, dropped: 300, sent: 0 });
    expect(smtp.received).toHaveLength(0);
    const rows = await outbox(env);
    expect(rows).toHaveLength(300);
    for (const row of rows) {
      expect(row).toMatchObject({ status: 'dropped', last_error: 'Not sent: its link was revoked (the invitation was cancelled).', text_body: null, html_body: null, sent_at: null });
    }
    // The members table tells the admin why.
    const page = await owner.members.list({ status: 'cancelled', limit: 1 });
    expect(page.items[0]!.delivery).toMatchObject({ status: 'dropped', error: 'Not sent: its link was revoked (the invitation was cancelled).' });
    // Nothing left: a second drain sends nothing either.
    expect(await env.mail.sender.drainAll()).toMatchObject({ claimed: 0, dropped: 0 });
    expect(smtp.received).toHaveLength(0);
  });

  it('a resend supersedes the first mail’s link: the first is dropped, the second sent and its link works', async () => {
    const { env, smtp, owner, roleId } = await setup();
    const r = await owner.members.invite({ entries: [{ email: 'ana@example.org' }], grants: { roleIds: [roleId] } });
    await owner.members.resend({ ids: [r.invited[0]!.memberId] });
    const [first, second] = await outbox(env);

    expect(await env.mail.sender.drainAll()).toMatchObject({ claimed: 1, dropped: 1, sent: 1 });
    expect(smtp.received.map((m) => m.messageId)).toEqual([second!.message_id]);
    const [a, b] = await outbox(env);
    expect(a).toMatchObject({ id: first!.id, status: 'dropped', last_error: 'Not sent: its link was revoked (a newer link replaced it).' });
    expect(b).toMatchObject({ id: second!.id, status: 'sent' });
    await inviteeDoor(env).accept({ token: tokenOf(linkIn(smtp.received[0]!)), password: PASSWORD });
  });

  it('a member who left the state the mail was for is not mailed, even if the link was not revoked', async () => {
    const { env, smtp, owner, roleId } = await setup();
    const r = await owner.members.invite({ entries: [{ email: 'bo@example.org' }], grants: { roleIds: [roleId] } });
    // As if the member accepted through another door that left this link alone.
    await env.store.db.updateTable('member').set({ status: 'accepted' }).where('id', '=', r.invited[0]!.memberId).execute();
    expect(await env.mail.sender.drainAll()).toMatchObject({ dropped: 1, sent: 0 });
    expect(smtp.received).toHaveLength(0);
    expect((await outbox(env))[0]).toMatchObject({ status: 'dropped', last_error: 'Not sent: the member is now accepted, no longer pending.' });
  });

  it('mail without a link (a notice, a test mail) is always sent, whatever its member’s state', async () => {
    const { env, smtp, owner, roleId } = await setup();
    const r = await owner.members.invite({ entries: [{ email: 'cy@example.org' }], grants: { roleIds: [roleId] } });
    const memberId = r.invited[0]!.memberId;
    await owner.members.cancel({ ids: [memberId] });
    const now = env.clock.now().toISOString();
    await insertOutboxRows(env.store.db, [
      {
        organization_id: 1,
        member_id: memberId,
        kind: 'security_notice',
        recipient: 'cy@example.org',
        recipient_name: null,
        subject: 'Someone tried to sign in as you',
        text_body: 'Notice',
        html_body: null,
        message_id: '<notice-1@acme.test>',
        status: 'queued',
        next_attempt_at: now,
        lease_until: null,
        last_error: null,
        created_at: now,
        sent_at: null,
        link_token_hash: null,
        member_status: null,
      },
    ]);
    expect(await env.mail.sender.drainAll()).toMatchObject({ claimed: 1, dropped: 1, sent: 1 });
    expect(smtp.received.map((m) => m.messageId)).toEqual(['<notice-1@acme.test>']);
  });
});
