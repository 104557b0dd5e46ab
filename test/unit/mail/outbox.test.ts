import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SENT_JOURNAL } from '../../../src/main/mail/sent-journal';
import { backoffMs } from '../../../src/main/mail/sender';
import { caught, OWNER_EMAIL, PASSWORD, tokenOf, type Caller } from '../helpers';
import { createMailEnv, linkIn, mailTestLifecycle, smtpConfig, smtpError, type MailEnv, type TestSmtp } from './smtp';
import { inviteeDoor } from '../invitee-door';

const open = mailTestLifecycle(afterEach);

async function setup(sender: Parameters<typeof createMailEnv>[1] = {}): Promise<{ env: MailEnv; smtp: TestSmtp; owner: Caller; roleId: number }> {
  const { env, smtp } = await open({}, (server) => createMailEnv(smtpConfig(server), sender));
  const owner = env.caller();
  await owner.auth.register({ organizationName: 'Acme & Sons', email: OWNER_EMAIL, password: PASSWORD });
  const roles = await owner.roles.list();
  return { env, smtp, owner, roleId: roles.find((r) => r.name === 'Admin')!.id };
}

function outbox(e: MailEnv) {
  return e.store.db.selectFrom('mail_outbox').selectAll().orderBy('id').execute();
}

/** Drains with the sender, which "dies" while the SMTP server takes mail number `taken + 1` (before it hears the 250). */
async function drainUntilCrash(env: MailEnv, smtp: TestSmtp, taken: number): Promise<void> {
  const first = env.mail.sender;
  smtp.onData = () => {
    if (smtp.received.length === taken) first.crash();
    return undefined;
  };
  await first.drainAll();
  smtp.onData = null;
  await first.commitsSettled();
}

/** How many times each address received a mail. */
function deliveries(smtp: TestSmtp): Map<string, number> {
  const times = new Map<string, number>();
  for (const m of smtp.received) times.set(m.to[0]!, (times.get(m.to[0]!) ?? 0) + 1);
  return times;
}

describe('outbox and sender against a real SMTP server on loopback', () => {
  it('delivers an invitation with the right recipient, subject and a working link, then forgets the link', async () => {
    const { env, smtp, owner, roleId } = await setup();
    const r = await owner.members.invite({ entries: [{ email: 'alice@example.org', name: 'Alice <Admin> "A"' }], grants: { roleIds: [roleId] } });
    const [row] = await outbox(env);
    expect(row).toMatchObject({ status: 'queued', recipient: 'alice@example.org', kind: 'invitation', member_id: r.invited[0]!.memberId });

    const drained = await env.mail.sender.drainAll();
    expect(drained).toMatchObject({ claimed: 1, sent: 1, retried: 0, failed: 0 });
    expect(smtp.received).toHaveLength(1);
    const mail = smtp.received[0]!;
    expect(mail.to).toEqual(['alice@example.org']);
    expect(mail.from).toBe('roster@acme.test');
    expect(mail.subject).toBe('You are invited to join Acme & Sons');
    expect(mail.messageId).toBe(row!.message_id);
    // Organization, inviter, role, expiry in the organization's zone; HTML-escaped in the HTML part.
    expect(mail.decoded).toContain(`${OWNER_EMAIL} invites you to join Acme & Sons as Admin.`);
    expect(mail.decoded).toContain('Acme &amp; Sons');
    expect(mail.decoded).toContain('Hello Alice &lt;Admin&gt; &quot;A&quot;,');
    expect(mail.decoded).toContain('(UTC)');

    const url = linkIn(mail);
    await inviteeDoor(env).accept({ token: tokenOf(url), password: PASSWORD });
    expect((await owner.members.list({})).items.find((m) => m.email === 'alice@example.org')?.status).toBe('accepted');

    const [after] = await outbox(env);
    expect(after).toMatchObject({ status: 'sent', text_body: null, html_body: null, attempts: 1, last_error: null, message_id: row!.message_id });
    expect(after!.sent_at).not.toBeNull();
    // Nothing left to send, nothing sent twice.
    expect(await env.mail.sender.drainAll()).toMatchObject({ claimed: 0 });
    expect(smtp.received).toHaveLength(1);
  });

  it("names the inviting admin when their member has a name (invitation, resend, reactivation), escaped in HTML; else their email", async () => {
    const { env, smtp, owner, roleId } = await setup();
    const me = (await owner.auth.state()).me!;
    await owner.members.edit({ id: me.memberId, name: 'Olivia "Liv" Martin' });
    const r = await owner.members.invite({ entries: [{ email: 'carol@example.org' }], grants: { roleIds: [roleId] } });
    await env.mail.sender.drainAll();
    await owner.members.resend({ ids: [r.invited[0]!.memberId] });
    await env.mail.sender.drainAll();
    const [invitation, resend] = [smtp.received.find((m) => m.subject.startsWith('You are invited')), smtp.received.find((m) => m.subject.startsWith('Reminder'))];
    expect(invitation!.decoded).toContain('Olivia "Liv" Martin invites you to join Acme & Sons as Admin.');
    expect(invitation!.decoded).toContain('Olivia &quot;Liv&quot; Martin invites you to join Acme &amp; Sons as Admin.');
    expect(invitation!.decoded).not.toContain(`${OWNER_EMAIL} invites you`);
    expect(resend!.decoded).toContain('Olivia "Liv" Martin sent you a new invitation to join Acme & Sons');
    // The reactivation mail names her too.
    await inviteeDoor(env).accept({ token: tokenOf(linkIn(resend!)), password: PASSWORD });
    await owner.members.deactivate({ ids: [r.invited[0]!.memberId] });
    await owner.members.reactivate({ ids: [r.invited[0]!.memberId] });
    await env.mail.sender.drainAll();
    const reactivation = smtp.received.find((m) => m.subject.startsWith('Your access'));
    expect(reactivation!.decoded).toContain('Olivia "Liv" Martin offers to restore your access to Acme & Sons');

    // Without a name, the email shows again.
    await owner.members.edit({ id: me.memberId, name: null });
    await owner.members.invite({ entries: [{ email: 'dan@example.org' }], grants: { roleIds: [roleId] } });
    await env.mail.sender.drainAll();
    const plain = smtp.received.find((m) => m.to.includes('dan@example.org'));
    expect(plain!.decoded).toContain(`${OWNER_EMAIL} invites you to join Acme & Sons as Admin.`);
  });

  it('writes the row in the transaction that issues the link: a rolled-back command leaves no mail', async () => {
    const { env, owner, roleId } = await setup();
    await expect(
      env.store.db.transaction().execute(async (trx) => {
        await env.mail.notifier.linksIssued(trx, [
          { kind: 'invitation', purpose: 'invitation', organizationId: 1, memberId: 1, email: 'x@example.org', name: null, url: 'http://127.0.0.1:8450/invite/x', expiresAt: new Date().toISOString(), inviterLabel: 'me' },
        ]);
        expect(await trx.selectFrom('mail_outbox').select('id').execute()).toHaveLength(1);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await outbox(env)).toHaveLength(0);
    // A refused invitation (unknown role) queues nothing either.
    await caught(owner.members.invite({ entries: [{ email: 'bob@example.org' }], grants: { roleIds: [roleId + 999] } }));
    expect(await outbox(env)).toHaveLength(0);
  });

  it('refuses names with CR or LF before they reach nodemailer', async () => {
    const { env } = await setup();
    const err = await env.store.db
      .transaction()
      .execute((trx) =>
        env.mail.notifier.linksIssued(trx, [
          { kind: 'invitation', purpose: 'invitation', organizationId: 1, memberId: 1, email: 'x@example.org', name: 'Eve\r\nBcc: all@example.org', url: 'http://127.0.0.1:8450/invite/x', expiresAt: new Date().toISOString(), inviterLabel: 'me' },
        ]),
      )
      .catch((e: unknown) => e as Error & { code?: string });
    expect(err).toMatchObject({ code: 'VALIDATION' });
    expect(await outbox(env)).toHaveLength(0);
  });

  it('mails resend, reactivation and password reset with their own templates and the expiry in the organization time zone', async () => {
    const { env, smtp, owner, roleId } = await setup();
    await env.store.db.updateTable('organization').set({ time_zone: 'Asia/Tokyo' }).execute();
    const { invited } = await owner.members.invite({ entries: [{ email: 'carol@example.org' }, { email: 'dave@example.org' }], grants: { roleIds: [roleId] } });
    await env.mail.sender.drainAll();
    await inviteeDoor(env).accept({ token: tokenOf(linkIn(smtp.received.find((m) => m.to[0] === 'dave@example.org')!)), password: PASSWORD });
    await owner.members.resend({ ids: [invited[0]!.memberId] });
    await owner.members.sendPasswordReset({ ids: [invited[1]!.memberId] });
    await env.mail.sender.drainAll();
    await owner.members.deactivate({ ids: [invited[1]!.memberId] });
    await owner.members.reactivate({ ids: [invited[1]!.memberId] });
    await env.mail.sender.drainAll();
    expect(smtp.received.map((m) => `${m.to[0]} ${m.subject}`)).toEqual([
      'carol@example.org You are invited to join Acme & Sons',
      'dave@example.org You are invited to join Acme & Sons',
      'carol@example.org Reminder: your invitation to join Acme & Sons',
      'dave@example.org Choose a new password for Acme & Sons',
      'dave@example.org Your access to Acme & Sons can be restored',
    ]);
    for (const m of smtp.received) expect(m.decoded).toContain('(Asia/Tokyo)');
    // The resent link works; the reactivation link works.
    await inviteeDoor(env).accept({ token: tokenOf(linkIn(smtp.received[2]!)), password: PASSWORD });
    expect(linkIn(smtp.received[3]!)).toContain('/reset/');
    await inviteeDoor(env).acceptReactivation({ token: tokenOf(linkIn(smtp.received[4]!)) });
    const ids = new Set(smtp.received.map((m) => m.messageId));
    expect(ids.size).toBe(5);
  });

  it('retries when the server is down, with backoff, and delivers once it is back', async () => {
    const { env, smtp, owner, roleId } = await setup();
    await smtp.down();
    await owner.members.invite({ entries: [{ email: 'erin@example.org' }], grants: { roleIds: [roleId] } });
    expect(await env.mail.sender.drainAll()).toMatchObject({ claimed: 1, retried: 1, sent: 0 });
    let [row] = await outbox(env);
    expect(row).toMatchObject({ status: 'queued', attempts: 1 });
    expect(row!.last_error).toContain('Cannot reach 127.0.0.1');
    expect(Date.parse(row!.next_attempt_at) - env.clock.now().getTime()).toBeGreaterThan(backoffMs(1) - 1000);
    expect((await owner.members.list({})).items.find((m) => m.email === 'erin@example.org')?.delivery).toMatchObject({ status: 'queued' });
    // Not due yet: nothing is attempted.
    expect(await env.mail.sender.drainAll()).toMatchObject({ claimed: 0 });
    await smtp.up();
    env.clock.advance(backoffMs(1));
    expect(await env.mail.sender.drainAll()).toMatchObject({ claimed: 1, sent: 1 });
    [row] = await outbox(env);
    expect(row).toMatchObject({ status: 'sent', attempts: 2, last_error: null });
    expect(smtp.received.map((m) => m.to[0])).toEqual(['erin@example.org']);
  });

  it('retries a 4xx reply and marks a 5xx reply failed with the reason; retry puts it back', async () => {
    const { env, smtp, owner, roleId } = await setup();
    let greylist = true;
    smtp.onRcptTo = (address) => {
      if (address.address === 'grey@example.org' && greylist) return smtpError(451, 'Greylisted, try again later');
      if (address.address === 'gone@example.org') return smtpError(550, 'No such user here');
      return undefined;
    };
    const { invited } = await owner.members.invite({ entries: [{ email: 'grey@example.org' }, { email: 'gone@example.org' }], grants: { roleIds: [roleId] } });
    expect(await env.mail.sender.drainAll()).toMatchObject({ claimed: 2, retried: 1, failed: 1 });
    const rows = await outbox(env);
    expect(rows[0]).toMatchObject({ recipient: 'grey@example.org', status: 'queued' });
    expect(rows[0]!.last_error).toContain('451');
    expect(rows[1]).toMatchObject({ recipient: 'gone@example.org', status: 'failed' });
    expect(rows[1]!.last_error).toContain('550 No such user here');
    expect(rows[1]!.text_body).not.toBeNull();

    const list = (await owner.members.list({})).items;
    expect(list.find((m) => m.email === 'gone@example.org')?.delivery).toMatchObject({ status: 'failed', error: expect.stringContaining('No such user here') });

    greylist = false;
    env.clock.advance(backoffMs(1));
    expect(await env.mail.sender.drainAll()).toMatchObject({ claimed: 1, sent: 1 });
    // A failed mail is not retried on its own, even later.
    env.clock.advance(backoffMs(5));
    expect(await env.mail.sender.drainAll()).toMatchObject({ claimed: 0 });

    const notFailed = await caught(owner.mail.retry({ memberId: invited[0]!.memberId }));
    expect(notFailed.domainCode).toBe('TRANSITION_NOT_ALLOWED');
    smtp.onRcptTo = null;
    expect(await owner.mail.retry({ memberId: invited[1]!.memberId })).toEqual({ status: 'queued' });
    expect(await env.mail.sender.drainAll()).toMatchObject({ claimed: 1, sent: 1 });
    expect(smtp.received.map((m) => m.to[0])).toEqual(['grey@example.org', 'gone@example.org']);
    const audit = await owner.audit.list({});
    expect(JSON.stringify(audit)).toContain('mail.retry');
  });

  it('gives up after the last attempt with the reason', async () => {
    const { env, smtp, owner, roleId } = await setup({ maxAttempts: 2 });
    smtp.onRcptTo = () => smtpError(421, 'Service busy');
    await owner.members.invite({ entries: [{ email: 'busy@example.org' }], grants: { roleIds: [roleId] } });
    expect(await env.mail.sender.drainAll()).toMatchObject({ retried: 1 });
    env.clock.advance(backoffMs(1));
    expect(await env.mail.sender.drainAll()).toMatchObject({ failed: 1 });
    const [row] = await outbox(env);
    expect(row).toMatchObject({ status: 'failed', attempts: 2 });
    expect(row!.last_error).toMatch(/^Gave up after 2 attempts: .*421 Service busy/);
  });

  it('survives a crash mid-drain: after a restart every mail arrives, none twice, with its Message-ID', async () => {
    const { env, smtp, owner, roleId } = await setup({ batchSize: 4, transport: { maxConnections: 1 } });
    const emails = Array.from({ length: 10 }, (_, i) => `p${i}@example.org`);
    await owner.members.invite({ entries: emails.map((email) => ({ email })), grants: { roleIds: [roleId] } });
    const first = env.mail.sender;
    let seen = 0;
    let crashed!: () => void;
    const crashedSignal = new Promise<void>((resolve) => (crashed = resolve));
    smtp.onData = () => {
      seen++;
      if (seen === 6) {
        // The sixth message is on the wire when the process dies: the server never accepts it. The
        // fifth's outcome is committed first (on a slow machine its commit can still be pending when
        // the sixth arrives; a crash in that window resends it: the next test).
        void (async () => {
          while ((await outbox(env)).filter((r) => r.status === 'sent').length < 5) await new Promise((r) => setTimeout(r, 5));
          first.crash();
          crashed();
        })();
        return 'hold';
      }
      return undefined;
    };
    const drain = first.drainAll();
    await crashedSignal;
    await drain;
    smtp.onData = null;
    const mid = await outbox(env);
    expect(mid.filter((r) => r.status === 'sent').length).toBe(5);
    expect(mid.filter((r) => r.status === 'sending').length).toBeGreaterThan(0);
    const receivedBefore = smtp.received.length;
    expect(receivedBefore).toBe(5);

    // Restart: a new sender on the same store. Leased rows wait for their lease to run out.
    const second = env.newSender();
    const early = await second.drainAll();
    expect(early.sent).toBe(10 - mid.filter((r) => r.status === 'sent').length - mid.filter((r) => r.status === 'sending').length);
    env.clock.advance(5 * 60_000 + 1);
    await second.drainAll();

    const rows = await outbox(env);
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    expect(smtp.received.map((m) => m.to[0]).sort()).toEqual([...emails].sort());
    expect(smtp.received.map((m) => m.messageId).sort()).toEqual(rows.map((r) => r.message_id).sort());
    expect(new Set(smtp.received.map((m) => m.messageId)).size).toBe(10);
  });

  it('a crash after the server took a mail but before its outcome was committed resends it once, with the same Message-ID', async () => {
    // SMTP cannot be exactly-once across a crash: the server's acceptance and our commit are two
    // events. The mail goes again after the lease, with the Message-ID receiving servers deduplicate on.
    const { env, smtp, owner, roleId } = await setup({ batchSize: 1, transport: { maxConnections: 1 } });
    await owner.members.invite({ entries: [{ email: 'window@example.org' }], grants: { roleIds: [roleId] } });
    const first = env.mail.sender;
    smtp.onData = () => {
      // The server accepts this mail; the process dies before the client hears the 250.
      first.crash();
      return undefined;
    };
    await first.drainAll();
    smtp.onData = null;
    expect(smtp.received).toHaveLength(1);
    expect((await outbox(env))[0]).toMatchObject({ status: 'sending' });

    const second = env.newSender();
    expect(await second.drainAll()).toMatchObject({ claimed: 0 });
    env.clock.advance(5 * 60_000 + 1);
    expect(await second.drainAll()).toMatchObject({ claimed: 1, sent: 1 });
    const [row] = await outbox(env);
    expect(row).toMatchObject({ status: 'sent' });
    expect(smtp.received.map((m) => m.to[0])).toEqual(['window@example.org', 'window@example.org']);
    expect(smtp.received.map((m) => m.messageId)).toEqual([row!.message_id, row!.message_id]);
    expect(await second.drainAll()).toMatchObject({ claimed: 0 });
    expect(smtp.received).toHaveLength(2);
  });

  it('records outcomes in batches: a crash resends only the mails whose outcome was not yet committed, each with its Message-ID', async () => {
    // Claims of four; outcomes are committed with the next claim (flushMs is long, so never on their own before the crash).
    // Without the sent journal, which would record the rest at the restart (the next test).
    const { env, smtp, owner, roleId } = await setup({ batchSize: 4, flushMs: 60_000, transport: { maxConnections: 1 }, journal: null });
    const emails = Array.from({ length: 10 }, (_, i) => `b${i}@example.org`);
    await owner.members.invite({ entries: emails.map((email) => ({ email })), grants: { roleIds: [roleId] } });
    // The server takes the seventh mail and the process dies before it hears the 250.
    await drainUntilCrash(env, smtp, 6);
    const mid = await outbox(env);
    const recorded = mid.filter((r) => r.status === 'sent');
    const unrecorded = mid.filter((r) => r.status === 'sending');
    // The outcomes waiting when the sender claimed its next batch were committed with that claim (normally the first
    // six: the fourth mail's outcome makes room for a claim, then the sixth's; on a slow machine a claim may still be on
    // its way when the seventh mail lands); the mails after them were taken by the server but their outcome was lost
    // with the process.
    expect(recorded.length).toBeLessThan(7);
    expect(recorded.map((r) => r.recipient)).toEqual(emails.slice(0, recorded.length));
    // The rest were not claimed yet (the sender claims a batch ahead when the previous one is under way).
    const queued = mid.filter((r) => r.status === 'queued');
    expect(unrecorded.length + recorded.length + queued.length).toBe(10);
    expect(smtp.received).toHaveLength(7);

    const second = env.newSender();
    // Mails nobody claimed go at once; those the dead process claimed wait for their lease.
    expect(await second.drainAll()).toMatchObject({ claimed: queued.length });
    env.clock.advance(5 * 60_000 + 1);
    expect(await second.drainAll()).toMatchObject({ claimed: unrecorded.length, sent: unrecorded.length });
    const rows = await outbox(env);
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    const times = deliveries(smtp);
    // Every mail arrived; those recorded before the crash exactly once; only the unrecorded ones that had reached the server twice.
    for (const r of recorded) expect(times.get(r.recipient)).toBe(1);
    expect(emails.filter((e) => times.get(e) === 2)).toEqual(emails.slice(recorded.length, 7));
    expect(emails.every((e) => (times.get(e) ?? 0) >= 1)).toBe(true);
    const messageIdOf = new Map(rows.map((r) => [r.recipient, r.message_id]));
    for (const m of smtp.received) expect(m.messageId).toBe(messageIdOf.get(m.to[0]!));
  });

  it('a restart records from the sent journal the mails the server took whose outcome was not committed: only the mail it was taking at the crash goes twice', async () => {
    // All ten claimed at once, outcomes held for a minute (as while a batch holds the store's write lock): none committed before the crash.
    const { env, smtp, owner, roleId } = await setup({ batchSize: 20, flushMs: 60_000, maxUnrecorded: 100, transport: { maxConnections: 1 } });
    const emails = Array.from({ length: 10 }, (_, i) => `j${i}@example.org`);
    await owner.members.invite({ entries: emails.map((email) => ({ email })), grants: { roleIds: [roleId] } });
    await drainUntilCrash(env, smtp, 6);
    expect((await outbox(env)).filter((r) => r.status === 'sent')).toHaveLength(0);
    const journal = join(env.dir, SENT_JOURNAL);
    expect(readFileSync(journal, 'utf8').trim().split('\n')).toHaveLength(6);

    const second = env.newSender();
    // The restart's first look records the six the server took before the crash; their lease has not run out.
    expect(await second.drainAll()).toMatchObject({ claimed: 0 });
    const afterRestart = await outbox(env);
    expect(afterRestart.filter((r) => r.status === 'sent').map((r) => r.recipient)).toEqual(emails.slice(0, 6));
    expect(afterRestart.filter((r) => r.status === 'sent').every((r) => r.sent_at !== null && r.text_body === null)).toBe(true);
    expect(readFileSync(journal, 'utf8')).toBe('');
    env.clock.advance(5 * 60_000 + 1);
    expect(await second.drainAll()).toMatchObject({ claimed: 4, sent: 4 });
    const times = deliveries(smtp);
    // Without the journal all seven would have gone twice.
    expect(emails.filter((e) => times.get(e) === 2)).toEqual([emails[6]]);
    expect(emails.every((e) => (times.get(e) ?? 0) >= 1)).toBe(true);
    expect(readFileSync(journal, 'utf8')).toBe('');
  });

  it('commits each outcome as it comes by default: a crash sends again only the mail the server was taking', async () => {
    // Without the sent journal, which would record at the restart what the crash left uncommitted (PostgreSQL's last round trips).
    const { env, smtp, owner, roleId } = await setup({ transport: { maxConnections: 1 }, journal: null });
    const emails = Array.from({ length: 10 }, (_, i) => `c${i}@example.org`);
    await owner.members.invite({ entries: emails.map((email) => ({ email })), grants: { roleIds: [roleId] } });
    // The server takes the seventh mail and the process dies before it hears the 250.
    await drainUntilCrash(env, smtp, 6);
    const recorded = (await outbox(env)).filter((r) => r.status === 'sent').map((r) => r.recipient);
    // The mails the sender heard back about are recorded (before: none, their outcomes waited for a batch), all six
    // on SQLite (a commit there is done before the next mail reaches the server); on PostgreSQL the commits of the
    // last one or two, round trips, may still be on their way.
    expect(recorded.length).toBeGreaterThanOrEqual(4);
    expect(recorded.every((e) => emails.slice(0, 6).includes(e))).toBe(true);
    const second = env.newSender();
    env.clock.advance(5 * 60_000 + 1);
    expect(await second.drainAll()).toMatchObject({ claimed: 10 - recorded.length, sent: 10 - recorded.length });
    const times = deliveries(smtp);
    // Only the mails the server took before the crash whose outcome was not committed arrived twice.
    expect(emails.filter((e) => times.get(e) === 2)).toEqual(emails.slice(0, 7).filter((e) => !recorded.includes(e)));
    expect(emails.every((e) => (times.get(e) ?? 0) >= 1)).toBe(true);
  });

  it('hands the SMTP server at most maxUnrecorded mails whose outcome is not committed: the most a crash sends again', async () => {
    // Outcomes batched for a minute (as when the store cannot take them): without the bound, every mail of the batch
    // would be sent and none recorded before the crash.
    // Without the sent journal, which would record them at the restart.
    const { env, smtp, owner, roleId } = await setup({ flushMs: 60_000, maxUnrecorded: 3, transport: { maxConnections: 1 }, journal: null });
    const emails = Array.from({ length: 10 }, (_, i) => `u${i}@example.org`);
    await owner.members.invite({ entries: emails.map((email) => ({ email })), grants: { roleIds: [roleId] } });
    await drainUntilCrash(env, smtp, 8);
    const recorded = (await outbox(env)).filter((r) => r.status === 'sent').map((r) => r.recipient);
    expect(recorded.every((e) => emails.slice(0, 8).includes(e))).toBe(true);
    expect(recorded.length).toBeGreaterThanOrEqual(9 - 3);
    const second = env.newSender();
    env.clock.advance(5 * 60_000 + 1);
    await second.drainAll();
    const times = deliveries(smtp);
    const twice = emails.filter((e) => times.get(e) === 2);
    expect(twice.length).toBeLessThanOrEqual(3);
    expect(twice).toEqual(emails.slice(0, 9).filter((e) => !recorded.includes(e)));
    expect(emails.every((e) => (times.get(e) ?? 0) >= 1)).toBe(true);
  });

  it('commits the last outcomes of a drain at once, not after flushMs', async () => {
    const { env, smtp, owner, roleId } = await setup({ batchSize: 4, flushMs: 600_000 });
    const emails = Array.from({ length: 10 }, (_, i) => `t${i}@example.org`);
    await owner.members.invite({ entries: emails.map((email) => ({ email })), grants: { roleIds: [roleId] } });
    // Ten mails in batches of four: the last two never fill a batch; the drain still ends with every outcome committed.
    expect(await env.mail.sender.drainAll()).toEqual({ claimed: 10, dropped: 0, sent: 10, retried: 0, failed: 0 });
    expect((await outbox(env)).every((r) => r.status === 'sent' && r.text_body === null)).toBe(true);
    expect(smtp.received).toHaveLength(10);
  });

  it('sends nothing twice when drains overlap', async () => {
    const { env, smtp, owner, roleId } = await setup({ batchSize: 3 });
    const emails = Array.from({ length: 9 }, (_, i) => `q${i}@example.org`);
    await owner.members.invite({ entries: emails.map((email) => ({ email })), grants: { roleIds: [roleId] } });
    const other = env.newSender();
    await Promise.all([env.mail.sender.drainAll(), other.drainAll(), env.mail.sender.drainAll()]);
    expect(smtp.received.map((m) => m.to[0]).sort()).toEqual([...emails].sort());
  });

  it('claims ahead in small batches and records mixed outcomes row by row', async () => {
    const { env, smtp, owner, roleId } = await setup({ batchSize: 4, maxInFlight: 10 });
    smtp.onRcptTo = (address) => {
      if (address.address.startsWith('grey')) return smtpError(451, 'Greylisted');
      if (address.address.startsWith('gone')) return smtpError(550, 'No such user');
      return undefined;
    };
    const emails = Array.from({ length: 30 }, (_, i) => `${i % 10 === 3 ? 'grey' : i % 10 === 7 ? 'gone' : 'ok'}${i}@example.org`);
    await owner.members.invite({ entries: emails.map((email) => ({ email })), grants: { roleIds: [roleId] } });
    expect(await env.mail.sender.drainAll()).toEqual({ claimed: 30, dropped: 0, sent: 24, retried: 3, failed: 3 });
    const rows = await outbox(env);
    for (const row of rows) {
      if (row.recipient.startsWith('ok')) {
        expect(row).toMatchObject({ status: 'sent', text_body: null, html_body: null, lease_until: null, last_error: null, attempts: 1 });
        expect(row.sent_at).not.toBeNull();
      } else if (row.recipient.startsWith('grey')) {
        expect(row).toMatchObject({ status: 'queued', lease_until: null, sent_at: null, attempts: 1 });
        expect(row.last_error).toContain('451');
        expect(row.text_body).not.toBeNull();
      } else {
        expect(row).toMatchObject({ status: 'failed', lease_until: null, sent_at: null });
        expect(row.last_error).toContain('550 No such user');
        expect(row.text_body).not.toBeNull();
      }
    }
    expect(smtp.received.map((m) => m.to[0]).sort()).toEqual(emails.filter((e) => e.startsWith('ok')).sort());
    expect(smtp.received.map((m) => m.messageId).sort()).toEqual(rows.filter((r) => r.status === 'sent').map((r) => r.message_id).sort());
    expect(await env.mail.sender.drainAll()).toMatchObject({ claimed: 0 });
  });

  it('the background loop sends what a command queues, without being asked', async () => {
    const { env, smtp, owner, roleId } = await setup();
    env.mail.sender.start();
    await owner.members.invite({ entries: [{ email: 'loop@example.org' }], grants: { roleIds: [roleId] } });
    await smtp.waitFor(1);
    expect(smtp.received[0]!.to).toEqual(['loop@example.org']);
  });
});
