import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SENT_JOURNAL } from '../../../src/main/mail/sent-journal';
import { mailTestLifecycle, outboxRows as outbox, ownerWithMail, type MailEnv, type TestSmtp } from './smtp';

const open = mailTestLifecycle(afterEach);
const setup = (sender: Parameters<typeof ownerWithMail>[1] = {}) => ownerWithMail(open, sender);

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

/**
 * A crash between the SMTP server's acceptance and the outcome's commit (README "Mail", the
 * at-least-once window): what is sent again after a restart, with which Message-ID, and what the
 * sent journal and the bound on unrecorded mails keep from going twice.
 */
describe('the outbox across a crash, against a real SMTP server on loopback', () => {
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

  it('a crash after the server took a mail but before the sender read its 250 resends it once, with the same Message-ID', async () => {
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
});
