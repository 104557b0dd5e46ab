import { afterEach, describe, expect, it } from 'vitest';
import { backoffMs } from '../../../src/main/mail/sender';
import { caught, OWNER_EMAIL, PASSWORD, tokenOf } from '../helpers';
import { linkIn, mailTestLifecycle, outboxRows as outbox, ownerWithMail, smtpError } from './smtp';
import { inviteeDoor } from '../invitee-door';

// What a crash does to the outbox: outbox-crash.test.ts.
const open = mailTestLifecycle(afterEach);
const setup = (sender: Parameters<typeof ownerWithMail>[1] = {}) => ownerWithMail(open, sender);

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
    // The mails of one drain go over separate pooled connections: they may arrive in either order.
    const mailed = (m: { to: string[]; subject: string }) => `${m.to[0]} ${m.subject}`;
    expect(smtp.received.map(mailed).sort()).toEqual([
      'carol@example.org Reminder: your invitation to join Acme & Sons',
      'carol@example.org You are invited to join Acme & Sons',
      'dave@example.org Choose a new password for Acme & Sons',
      'dave@example.org You are invited to join Acme & Sons',
      'dave@example.org Your access to Acme & Sons can be restored',
    ]);
    for (const m of smtp.received) expect(m.decoded).toContain('(Asia/Tokyo)');
    const mail = (to: string, subject: string) => smtp.received.find((m) => mailed(m) === `${to} ${subject}`)!;
    // The resent link works; the reactivation link works.
    await inviteeDoor(env).accept({ token: tokenOf(linkIn(mail('carol@example.org', 'Reminder: your invitation to join Acme & Sons'))), password: PASSWORD });
    expect(linkIn(mail('dave@example.org', 'Choose a new password for Acme & Sons'))).toContain('/reset/');
    await inviteeDoor(env).acceptReactivation({ token: tokenOf(linkIn(mail('dave@example.org', 'Your access to Acme & Sons can be restored'))) });
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
