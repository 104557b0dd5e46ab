import { sql } from 'kysely';
import type { Db, DbOrTx } from '../database';
import { byDialect } from '../dialect';
import type { NewOutboxRow, OutboxRow, OutboxStatus, OutboxUpdate } from '../tables/mail_outbox.table';
import { chunks, rowsPerStatement } from './util';

/** The mail outbox: rows written by the notifier, claimed with a lease by the sender, settled with their outcome. */

export async function insertOutboxRows(db: DbOrTx, rows: NewOutboxRow[]): Promise<void> {
  // Sized by the widest row (17 columns today), so a batch of thousands of mails stays under the bound-variable limit.
  const columns = rows.reduce((n, r) => Math.max(n, Object.keys(r).length), 1);
  for (const part of chunks(rows, rowsPerStatement(columns))) await db.insertInto('mail_outbox').values(part).execute();
}

export interface Claimed {
  /** Rows now 'sending' under the lease: to be sent. */
  rows: OutboxRow[];
  /** Rows dropped by this claim (their link died or their member moved on), with the reason recorded. */
  dropped: { id: number; reason: string }[];
}

const REVOKED: Record<string, string> = {
  superseded: 'a newer link replaced it',
  cancelled: 'the invitation was cancelled',
  deleted: 'the member was deleted',
  deactivated: 'the member was deactivated',
};

/** Why a claimed mail must not go out, or null when its link is live and its member still where the mail found them. */
function deadReason(
  row: OutboxRow,
  link: { used_at: string | null; revoked_at: string | null; revoked_reason: string | null; expires_at: string } | undefined,
  memberStatus: string | undefined,
  nowIso: string,
): string | null {
  if (row.link_token_hash === null) return null;
  if (!link) return 'Not sent: its link no longer exists.';
  if (link.revoked_at !== null) return `Not sent: its link was revoked (${REVOKED[link.revoked_reason ?? ''] ?? link.revoked_reason ?? 'revoked'}).`;
  if (link.used_at !== null) return 'Not sent: its link was already used.';
  if (link.expires_at <= nowIso) return 'Not sent: its link expired.';
  if (row.member_status !== null && memberStatus !== row.member_status)
    return memberStatus === undefined ? 'Not sent: the member no longer exists.' : `Not sent: the member is now ${memberStatus}, no longer ${row.member_status}.`;
  return null;
}

/**
 * Claims up to `limit` due rows in one transaction: queued ones whose time has come and 'sending'
 * ones whose lease ran out (their process died). In the same transaction, a row whose link is no
 * longer live, or whose member left the state the mail was for, is dropped with its reason (and its
 * bodies, which hold the token, cleared); the others become 'sending' until `leaseUntil`. Mail
 * without a link is never dropped. On PostgreSQL the rows are locked with FOR UPDATE SKIP LOCKED,
 * so concurrent senders claim disjoint rows. `settle` are outcomes of earlier claims, recorded first in
 * the same transaction (as recordOutcomes does): one commit, one fsync, for both.
 */
export async function claimDueMail(
  db: Db,
  opts: { nowIso: string; leaseUntil: string; limit: number; organizationIds: 'all' | number[]; settle?: OutcomeWrite[] },
): Promise<Claimed> {
  const { nowIso, leaseUntil, limit, organizationIds } = opts;
  return db.transaction().execute(async (trx) => {
    if (opts.settle?.length) await applyOutcomes(trx, opts.settle);
    let q = trx
      .selectFrom('mail_outbox')
      .selectAll()
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'queued'), eb('next_attempt_at', '<=', nowIso)]),
          eb.and([eb('status', '=', 'sending'), eb('lease_until', '<=', nowIso)]),
        ]),
      );
    if (organizationIds !== 'all') q = q.where('organization_id', 'in', organizationIds);
    q = q.orderBy('id').limit(limit);
    const rows = await byDialect(trx, { sqlite: () => q.execute(), postgres: () => q.forUpdate().skipLocked().execute() });
    if (rows.length === 0) return { rows: [], dropped: [] };

    const withLink = rows.filter((r) => r.link_token_hash !== null);
    const links = new Map<string, { used_at: string | null; revoked_at: string | null; revoked_reason: string | null; expires_at: string }>();
    const statuses = new Map<number, string>();
    if (withLink.length) {
      const hashes = withLink.map((r) => r.link_token_hash!);
      for (const l of await trx.selectFrom('link').select(['token_hash', 'used_at', 'revoked_at', 'revoked_reason', 'expires_at']).where('token_hash', 'in', hashes).execute())
        links.set(l.token_hash, l);
      const memberIds = [...new Set(withLink.map((r) => r.member_id).filter((id): id is number => id !== null))];
      if (memberIds.length)
        for (const m of await trx.selectFrom('member').select(['id', 'status']).where('id', 'in', memberIds).execute()) statuses.set(m.id, m.status);
    }
    const live: OutboxRow[] = [];
    const dropped: { id: number; reason: string }[] = [];
    for (const r of rows) {
      const reason = deadReason(r, r.link_token_hash === null ? undefined : links.get(r.link_token_hash), r.member_id === null ? undefined : statuses.get(r.member_id), nowIso);
      if (reason === null) live.push(r);
      else dropped.push({ id: r.id, reason });
    }
    const byReason = new Map<string, number[]>();
    for (const d of dropped) {
      const ids = byReason.get(d.reason);
      if (ids) ids.push(d.id);
      else byReason.set(d.reason, [d.id]);
    }
    for (const [reason, ids] of byReason)
      await trx
        .updateTable('mail_outbox')
        .set({ status: 'dropped', lease_until: null, last_error: reason, text_body: null, html_body: null })
        .where('id', 'in', ids)
        .execute();
    if (live.length)
      await trx
        .updateTable('mail_outbox')
        .set((eb) => ({ status: 'sending', lease_until: leaseUntil, attempts: eb('attempts', '+', 1) }))
        .where('id', 'in', live.map((r) => r.id))
        .execute();
    return { rows: live.map((r) => ({ ...r, status: 'sending' as const, lease_until: leaseUntil, attempts: r.attempts + 1 })), dropped };
  });
}

/**
 * Records the outcomes of claimed rows in one transaction, one statement per kind of outcome rather
 * than per mail (sent rows differ only in sent_at). Rows no longer 'sending' are left alone.
 */
export async function recordOutcomes(db: Db, writes: OutcomeWrite[]): Promise<void> {
  await db.transaction().execute((trx) => applyOutcomes(trx, writes));
}

export interface OutcomeWrite {
  id: number;
  /**
   * The Message-ID of the mail sent: the outcome is written only on that mail. A restore brings back
   * the backup's id counter, so a new mail may take the id of one still in flight across the restore.
   */
  messageId: string;
  set: OutboxUpdate;
}

async function applyOutcomes(trx: DbOrTx, writes: OutcomeWrite[]): Promise<void> {
  const groups = new Map<string, OutcomeWrite[]>();
  for (const w of writes) {
    const { sent_at: _sentAt, ...rest } = w.set;
    const key = JSON.stringify(rest) + (w.set.sent_at === undefined ? '' : '+sent_at');
    const group = groups.get(key);
    if (group) group.push(w);
    else groups.set(key, [w]);
  }
  for (const group of groups.values()) {
    for (const part of chunks(group, 400)) {
      const { sent_at: sentAt, ...rest } = part[0]!.set;
      const ids = part.map((w) => w.id);
      const sentAtValue =
        sentAt === undefined || part.every((w) => w.set.sent_at === sentAt)
          ? sentAt
          : sql<string | null>`case id ${sql.join(part.map((w) => sql`when ${w.id} then ${w.set.sent_at ?? null}`), sql` `)} end`;
      await trx
        .updateTable('mail_outbox')
        .set(sentAtValue === undefined ? rest : { ...rest, sent_at: sentAtValue })
        .where('id', 'in', ids)
        .where('message_id', 'in', part.map((w) => w.messageId))
        .where('status', '=', 'sending')
        .execute();
    }
  }
}

/** A new configuration deserves a fresh attempt: the organization's mail waiting out a backoff is due now. */
export async function makeQueuedMailDue(db: DbOrTx, organizationId: number, nowIso: string): Promise<void> {
  await db.updateTable('mail_outbox').set({ next_attempt_at: nowIso }).where('organization_id', '=', organizationId).where('status', '=', 'queued').where('next_attempt_at', '>', nowIso).execute();
}

/** The latest mail queued for a member. */
export async function latestMailOf(db: DbOrTx, organizationId: number, memberId: number): Promise<OutboxRow | undefined> {
  return db.selectFrom('mail_outbox').selectAll().where('organization_id', '=', organizationId).where('member_id', '=', memberId).orderBy('id', 'desc').limit(1).executeTakeFirst();
}

/** Puts a failed row back in the queue, due now, with a fresh attempt count. */
export async function requeueMail(db: DbOrTx, id: number, nowIso: string): Promise<void> {
  await db.updateTable('mail_outbox').set({ status: 'queued', attempts: 0, next_attempt_at: nowIso, lease_until: null, last_error: null }).where('id', '=', id).execute();
}

export interface Delivery {
  status: OutboxStatus;
  error: string | null;
  at: string;
}

/** The latest mail of each member: what the members table shows. */
export async function deliveriesOf(db: DbOrTx, memberIds: number[]): Promise<Map<number, Delivery>> {
  const out = new Map<number, Delivery>();
  for (const part of chunks(memberIds, 5000)) {
    if (part.length === 0) continue;
    const rows = await db
      .selectFrom('mail_outbox')
      .select(['member_id', 'status', 'last_error', 'created_at', 'sent_at'])
      .where('id', 'in', (eb) => eb.selectFrom('mail_outbox').select((e) => e.fn.max('id').as('id')).where('member_id', 'in', part).groupBy('member_id'))
      .execute();
    for (const r of rows) if (r.member_id != null) out.set(r.member_id, { status: r.status, error: r.last_error, at: r.sent_at ?? r.created_at });
  }
  return out;
}

/** Where a row of the outbox stands: what a restore carries from the running store into the restored copy. */
export type OutboxState = Pick<OutboxRow, 'id' | 'message_id' | 'status' | 'attempts' | 'next_attempt_at' | 'lease_until' | 'last_error' | 'sent_at'>;

const STATE_COLUMNS = ['id', 'message_id', 'status', 'attempts', 'next_attempt_at', 'lease_until', 'last_error', 'sent_at'] as const;

/**
 * Rows that may still go out or change: queued, sending, or failed (an admin may put a failed row
 * back in the queue). Sent and dropped rows never change again.
 */
export async function unsettledOutboxStates(db: DbOrTx): Promise<OutboxState[]> {
  return db.selectFrom('mail_outbox').select(STATE_COLUMNS).where('status', 'in', ['queued', 'sending', 'failed']).orderBy('id').execute();
}

/** These rows' states in this store, by id (rows it does not have are missing from the answer). */
export async function outboxStatesOf(db: DbOrTx, ids: number[]): Promise<OutboxState[]> {
  const out: OutboxState[] = [];
  for (const part of chunks(ids, 500)) if (part.length) out.push(...(await db.selectFrom('mail_outbox').select(STATE_COLUMNS).where('id', 'in', part).execute()));
  return out;
}

/**
 * Writes these states over the rows of the same id and Message-ID (a restore's carry: the running
 * store's outcome replaces the backup's). A row now sent or dropped loses its bodies, as the sender
 * and the claim clear them (they hold the link's token).
 */
export async function carryOutboxStates(db: DbOrTx, rows: OutboxState[]): Promise<void> {
  for (const r of rows) {
    const { id, message_id: messageId, ...state } = r;
    const final = state.status === 'sent' || state.status === 'dropped';
    await db
      .updateTable('mail_outbox')
      .set(final ? { ...state, text_body: null, html_body: null } : state)
      .where('id', '=', id)
      .where('message_id', '=', messageId)
      .execute();
  }
}
