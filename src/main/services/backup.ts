import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import type { Clock } from '../core/clock';
import { DomainError } from '../core/errors';
import { BackupExists, backupStore, restoreStore, type RestoreCarry } from '../db/backup';
import { allSessions, replaceSessions } from '../db/repos/sessions.repo';
import { allCounters, replaceCounters } from '../db/repos/guesses.repo';
import { linksSpentState, liveInvitationLinksOfPending, liveLinkHashes, markLinksSpent, type LinkSpent } from '../db/repos/links.repo';
import { acceptancesOf, pendingMemberAcceptances } from '../db/repos/member-acceptances.repo';
import { carryOutboxStates, outboxStatesOf, unsettledOutboxStates, type OutboxState } from '../db/repos/outbox.repo';
import { allPhoneCodeFailures, markPhoneCodesUsed, phoneCodesUsedAt, raisePhoneCodeFailures, unusedPhoneCodeHashes } from '../db/repos/phone.repo';
import { StoreRefused, type OpenedStore, type OpenedSqliteStore } from '../db/connect';
import { insertAuditRows } from '../db/repos/audit.repo';
import { readInstallSetting, writeInstallSetting } from '../db/repos/settings.repo';
import { isOwner, type AdminActor } from './actor';
import { auditRow } from './audit';
import { isFirstOrganization } from './portal-settings';

/**
 * Backups of the whole store, on demand and on a schedule (daily, keep N), and restore.
 * Files live in the data folder's `backups` folder and are named by the admin (a plain file name,
 * never a path: in web mode the admin must not choose where the server writes).
 * A backup holds every organization of the install, so only the install's Owner (Owner of its
 * first organization, who also sets the invitee pages up) may take, schedule or restore one.
 * In team mode (PostgreSQL) the database's own tools do it: pg_dump / pg_restore.
 */

export const BACKUP_DIR = 'backups';
const SCHEDULE_KEY = 'backup.schedule';
const AUTO_PREFIX = 'roster-auto-';
const DAY_MS = 24 * 60 * 60 * 1000;

export const backupName = z
  .string()
  .trim()
  .min(1)
  .max(120)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'A backup name is a plain file name: letters, digits, dot, dash and underscore.')
  .refine((n) => !n.includes('..'), 'A backup name is a plain file name.');

export const backupSchedule = z.object({ daily: z.boolean(), keep: z.number().int().min(1).max(365) });
export type BackupSchedule = z.infer<typeof backupSchedule>;

export interface BackupFile {
  name: string;
  bytes: number;
  createdAt: string;
}

export interface BackupRuntime {
  list(actor: AdminActor, organizationId: number): Promise<BackupFile[]>;
  create(actor: AdminActor, organizationId: number, name?: string): Promise<BackupFile & { path: string }>;
  restore(actor: AdminActor, organizationId: number, name: string): Promise<{ restored: string; keptAside: string } & RestoreWoundBack>;
  getSchedule(actor: AdminActor, organizationId: number): Promise<BackupSchedule>;
  setSchedule(actor: AdminActor, organizationId: number, schedule: BackupSchedule): Promise<BackupSchedule>;
  /** The scheduled backup, if due: checked at start and every hour. */
  runScheduled(): Promise<string | null>;
  start(): void;
  stop(): void;
}

const TEAM_MODE = 'This Roster keeps its directory in PostgreSQL (team mode): back it up with pg_dump and restore with pg_restore on the database server; Roster does not copy a shared database.';

/** The file name a backup name stands for (`create` adds `.sqlite`; `restore` reads the name the same way). */
function fileOf(name: string): string {
  return name.endsWith('.sqlite') ? name : `${name}.sqlite`;
}

/** What a restore winds back that the admin must act on (the restore's answer says it). */
export interface RestoreWoundBack {
  /**
   * Members pending again in the restored store whose invitation was accepted after the backup: their
   * links no longer work (a used link stays used, a replaced one replaced), so they need a new invitation
   * (Resend, on Members).
   */
  invitationsPendingAgain: number;
  /**
   * Other members pending in the restored store whose every invitation link the carry spends: used,
   * replaced or revoked after the backup (declined, resent or copied, cancelled, deactivated…; a link
   * live now is one the backup never had). They have no working link: resend or cancel.
   */
  invitationsWithoutLink: number;
  /** Rows of the restored outbox given the running store's outcome (sent, dropped, failed, in flight…). */
  mailOutcomesCarried: number;
}

/** The outbox columns compared between the two stores (a row whose state differs is carried). */
function sameState(a: OutboxState, b: OutboxState): boolean {
  return a.status === b.status && a.attempts === b.attempts && a.next_attempt_at === b.next_attempt_at && a.lease_until === b.lease_until && a.last_error === b.last_error && a.sent_at === b.sent_at;
}

/**
 * What a restore carries from the running store into the restored one, so that a restore brings
 * back the directory and never a secret's past state: the running store's sessions replace the
 * backup's (an ended session stays ended; the signed-in carry on), its guess counters replace the
 * backup's (a lockout is never wound back), a link or phone code spent since the backup stays spent
 * (one gone from the running store is spent too), and a member's count of wrong codes never goes down.
 *
 * The outbox: a restore never sends again a mail the running store has settled. Each row the
 * restored copy may still send or change (queued, sending, failed) that the running store holds under
 * the same id and Message-ID gets the running store's state when it differs: sent (bodies cleared, as
 * the sender clears them), dropped (the running store decided it must not go: bodies cleared), failed
 * (given up on: an admin's Retry stays possible, as before the restore), sending (in flight during the
 * restore: the sender's outcome then lands on the restored row, whose status it checks), or queued with
 * the running store's attempts and backoff. A row the running store does not hold stays as the backup has
 * it: the running store never deletes outbox rows (no pruning; members and organizations are not deleted
 * from the table, only marked), so such a row was never in its history (a backup of another install, or of
 * a timeline an earlier restore wound back) and the running store cannot say it went; a mail with a link
 * is still dropped at its claim, its link being gone from the running store (revoked above).
 */
export function restoreCarry(nowIso: string): RestoreCarry<RestoreWoundBack> {
  return async (from, to) => {
    const sessions = await allSessions(from);
    const counters = await allCounters(from);
    const attempts = await allPhoneCodeFailures(from);
    const liveLinks = await liveLinkHashes(to);
    const linkState = await linksSpentState(from, liveLinks);
    const unusedCodes = await unusedPhoneCodeHashes(to);
    const codeState = await phoneCodesUsedAt(from, unusedCodes);
    const spentLinks: LinkSpent[] = [];
    for (const h of liveLinks) {
      const now = linkState.get(h);
      if (!now) spentLinks.push({ token_hash: h, used_at: null, revoked_at: nowIso, revoked_reason: 'cancelled' });
      else if (now.used_at !== null || now.revoked_at !== null) spentLinks.push(now);
    }
    const spentCodes = unusedCodes.filter((h) => codeState.get(h) !== null).map((h) => ({ code_hash: h, used_at: codeState.get(h) ?? nowIso }));
    // Invitations accepted after the backup: pending in the restored copy, accepted since in the running
    // store (the same member: id, organization and address; accepted later than any acceptance the copy
    // knows, as for someone invited again after leaving). By member, not by link: the link used may be
    // one made after the backup (a resend, a copied link), which the copy never had.
    const pending = await pendingMemberAcceptances(to);
    const accepted = new Map((await acceptancesOf(from, pending.map((m) => m.id))).map((m) => [m.id, m]));
    const pendingAgain = new Set(
      pending
        .filter((m) => {
          const now = accepted.get(m.id);
          return !!now && now.organization_id === m.organization_id && now.email_normalized === m.email_normalized && (m.accepted_at === null || now.accepted_at! > m.accepted_at);
        })
        .map((m) => m.id),
    );
    // Pending members whose every live invitation link the carry spends, other than those.
    const spentHashes = new Set(spentLinks.map((l) => l.token_hash));
    const linkLeft = new Map<number, boolean>();
    for (const l of await liveInvitationLinksOfPending(to)) linkLeft.set(l.member_id, (linkLeft.get(l.member_id) ?? false) || !spentHashes.has(l.token_hash));
    const withoutLink = [...linkLeft].filter(([id, left]) => !left && !pendingAgain.has(id)).length;
    const restoredMail = await unsettledOutboxStates(to);
    const running = new Map((await outboxStatesOf(from, restoredMail.map((r) => r.id))).map((r) => [r.id, r]));
    const outcomes: OutboxState[] = [];
    for (const r of restoredMail) {
      const now = running.get(r.id);
      if (now && now.message_id === r.message_id && !sameState(now, r)) outcomes.push(now);
    }
    await to.transaction().execute(async (tx) => {
      await replaceSessions(tx, sessions);
      await replaceCounters(tx, counters);
      await raisePhoneCodeFailures(tx, attempts);
      await markLinksSpent(tx, spentLinks);
      await markPhoneCodesUsed(tx, spentCodes);
      await carryOutboxStates(tx, outcomes);
    });
    return { invitationsPendingAgain: pendingAgain.size, invitationsWithoutLink: withoutLink, mailOutcomesCarried: outcomes.length };
  };
}

function stamp(d: Date): string {
  return d.toISOString().replace(/[:.]/g, '-');
}

export function createBackup(opts: { store: OpenedStore; dataDir: string; clock: Clock }): BackupRuntime {
  const dir = join(opts.dataDir, BACKUP_DIR);
  const { store, clock } = opts;
  let timer: NodeJS.Timeout | null = null;
  let busy: Promise<unknown> = Promise.resolve();

  const sqliteStore = (): OpenedSqliteStore => {
    if (store.dialect !== 'sqlite') throw new DomainError('VALIDATION', TEAM_MODE);
    return store as OpenedSqliteStore;
  };
  // The install's Owner (Owner of its first organization, as for the invitee pages' settings).
  const allowed = async (actor: AdminActor, organizationId: number): Promise<OpenedSqliteStore> => {
    const s = sqliteStore();
    if (!isOwner(actor.authz) || !(await isFirstOrganization(store.db, organizationId)))
      throw new DomainError('OWNER_ONLY', "Only the install's Owner can take or restore a backup: it holds every organization of this Roster.");
    return s;
  };
  const files = (): BackupFile[] => {
    mkdirSync(dir, { recursive: true });
    return readdirSync(dir)
      .filter((n) => n.endsWith('.sqlite'))
      .map((name) => {
        const st = statSync(join(dir, name));
        return { name, bytes: st.size, createdAt: st.mtime.toISOString() };
      })
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  };
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = busy.then(work, work);
    busy = next.catch(() => undefined);
    return next;
  };
  const schedule = async (): Promise<BackupSchedule> => {
    const raw = await readInstallSetting(store.db, SCHEDULE_KEY);
    return raw ? backupSchedule.parse(JSON.parse(raw)) : { daily: false, keep: 7 };
  };

  const runtime: BackupRuntime = {
    async list(actor, organizationId) {
      await allowed(actor, organizationId);
      return files();
    },
    async create(actor, organizationId, name) {
      const s = await allowed(actor, organizationId);
      const fileName = name ? fileOf(name) : `roster-${stamp(clock.now())}.sqlite`;
      // The scheduler's own names: its keep-N pruning would delete such a backup, and it reads the newest as its last run.
      if (fileName.startsWith(AUTO_PREFIX))
        throw new DomainError('VALIDATION', `A backup name cannot start with "${AUTO_PREFIX}": Roster keeps that for its scheduled backups. Choose another name.`, { name });
      mkdirSync(dir, { recursive: true });
      const done = await serial(() => backupStore(s, join(dir, fileName))).catch((e: unknown) => {
        if (e instanceof BackupExists) throw new DomainError('NAME_TAKEN', `A backup named ${fileName} already exists: choose another name.`, { name: fileName });
        throw e;
      });
      const now = clock.now().toISOString();
      await insertAuditRows(store.db, [auditRow(organizationId, actor, 'backup.create', { type: 'organization', id: organizationId, label: fileName }, null, { file: fileName, bytes: done.bytes }, now)]);
      return { name: fileName, bytes: done.bytes, createdAt: now, path: done.file };
    },
    async restore(actor, organizationId, name) {
      const s = await allowed(actor, organizationId);
      const fileName = fileOf(basename(name));
      const from = join(dir, fileName);
      // Named as given, never by its path (the message reaches the admin's browser in web mode).
      if (!existsSync(from)) throw new DomainError('NOT_FOUND', `No backup named ${name}.`, { name });
      try {
        // Sessions and the guess limiter's counters are rows of the store (migration 0013): the restored
        // store gets the running one's, put in before it serves its first call (restoreCarry).
        const { keptAside, carried } = await serial(() => restoreStore(s, from, clock.now(), restoreCarry(clock.now().toISOString())));
        const woundBack: RestoreWoundBack = carried ?? { invitationsPendingAgain: 0, invitationsWithoutLink: 0, mailOutcomesCarried: 0 };
        const now = clock.now().toISOString();
        await insertAuditRows(store.db, [auditRow(organizationId, actor, 'backup.restore', { type: 'organization', id: organizationId, label: fileName }, null, { file: fileName, keptAside: basename(keptAside), ...woundBack }, now)]).catch(() => undefined);
        return { restored: fileName, keptAside, ...woundBack };
      } catch (e) {
        if (e instanceof StoreRefused) throw new DomainError('VALIDATION', e.message);
        throw e;
      }
    },
    async getSchedule(actor, organizationId) {
      await allowed(actor, organizationId);
      return schedule();
    },
    async setSchedule(actor, organizationId, next) {
      await allowed(actor, organizationId);
      const before = await schedule();
      await writeInstallSetting(store.db, SCHEDULE_KEY, JSON.stringify(next));
      await insertAuditRows(store.db, [auditRow(organizationId, actor, 'backup.schedule', { type: 'organization', id: organizationId, label: null }, before, next, clock.now().toISOString())]);
      return next;
    },
    async runScheduled() {
      if (store.dialect !== 'sqlite') return null;
      const plan = await schedule();
      if (!plan.daily) return null;
      // When the newest scheduled backup was taken, read from its name (the file is the record).
      const taken = files()
        .map((f) => /^roster-auto-(\d{4}-\d\d-\d\d)T(\d\d)-(\d\d)-(\d\d)-(\d{3})Z\.sqlite$/.exec(f.name))
        .filter((m) => m !== null)
        .map((m) => Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4]}.${m[5]}Z`));
      if (taken.length && clock.now().getTime() - Math.max(...taken) < DAY_MS) return null;
      const name = `${AUTO_PREFIX}${stamp(clock.now())}.sqlite`;
      await serial(() => backupStore(sqliteStore(), join(dir, name)));
      // Keep the newest N scheduled backups; backups taken by hand are the admin's to remove.
      for (const old of files().filter((f) => f.name.startsWith(AUTO_PREFIX)).sort((a, b) => b.name.localeCompare(a.name)).slice(plan.keep)) rmSync(join(dir, old.name), { force: true });
      return name;
    },
    start() {
      if (timer || store.dialect !== 'sqlite') return;
      const tick = () => void runtime.runScheduled().catch((e) => console.error(`Scheduled backup failed: ${e instanceof Error ? e.message : String(e)}`));
      tick();
      timer = setInterval(tick, 60 * 60 * 1000);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
  return runtime;
}
