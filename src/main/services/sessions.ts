import { DomainError } from '../core/errors';
import { verifyPassword } from '../core/passwords';
import { hashToken, newToken } from '../core/tokens';
import { normalizeEmail } from '../core/addresses';
import { membersOfPerson } from '../db/repos/members.repo';
import { findOrganization, listOrganizations } from '../db/repos/organizations.repo';
import { findPersonByEmail } from '../db/repos/people.repo';
import { endSession, endSessionsOfPerson, findSession, findSessionWithAuthz, insertSession, setSessionOrganization, sweepSessions, touchSession, type SessionWithAuthz } from '../db/repos/sessions.repo';
import type { ConsoleSession } from '../db/tables/team_state.table';
import { AccountTree, Authz } from '../core/authz';
import type { MemberStatus } from '../../shared/statuses';
import type { ServiceDeps } from './deps';
import { loadAuthz } from './organizations';

export interface Session {
  personId: number;
  email: string;
  organizationId: number;
  createdAt: number;
  lastSeenAt: number;
}

/** A live session with its person's member in its organization and what that member may do. */
export interface SessionWithMember {
  session: Session;
  /** Null when the person has no member there any more (deleted). */
  member: { id: number; status: MemberStatus } | null;
  /** The member's grants over the organization's accounts; null without a member. */
  authz: Authz | null;
}

/** A scrypt hash of nothing in particular, so an unknown address costs as much as a wrong password. */
const DUMMY_HASH = 'scrypt$131072$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

/** How far a session's activity may lag before it is written again (one write per burst of calls). */
const TOUCH_SLACK_MS = 5_000;
/** Sessions unused this long are swept (the idle lock ends them much earlier). */
const SESSION_MAX_IDLE_MS = 24 * 60 * 60 * 1000;

/**
 * Sessions live in the database (migration 0013): the renderer holds an opaque token (an HttpOnly
 * cookie in web mode, nothing at all over IPC), and only its SHA-256 is kept. Every process on one
 * PostgreSQL reads the same rows, so a cookie signed in on one works on another, and signing out,
 * the idle lock and a password change end a session everywhere. Each request costs one indexed
 * query (the session by its hash, with the organization's idle lock); the activity time is written
 * only when it moved by more than a few seconds.
 */
/** Sessions whose authorization is kept (the oldest copy makes room): far more consoles than one desk has open. */
const MAX_AUTHZ_COPIES = 1_000;

export class SessionStore {
  constructor(private readonly deps: ServiceDeps) {}

  private now(): number {
    return this.deps.clock.now().getTime();
  }

  private iso(ms: number): string {
    return new Date(ms).toISOString();
  }

  /** Organizations where this person is an active member with some console permission. */
  async consoleOrganizations(personId: number): Promise<{ id: number; name: string }[]> {
    const memberships = (await membersOfPerson(this.deps.db, personId)).filter((m) => m.status === 'accepted');
    const allowed: number[] = [];
    for (const m of memberships) if ((await loadAuthz(this.deps.db, m.organization_id, m.id)).hasConsoleAccess()) allowed.push(m.organization_id);
    return (await listOrganizations(this.deps.db, allowed)).map((o) => ({ id: o.id, name: o.name }));
  }

  /**
   * Checks the password under the one guess limiter (services/guesses.ts): per person, per person
   * and client, per client. `client` is where the attempt comes from ("desktop" over IPC).
   */
  async signIn(emailInput: string, password: string, organizationId?: number, client = 'local'): Promise<{ token: string; session: Session }> {
    const email = normalizeEmail(emailInput);
    const person = await this.deps.guesses.guard({ person: email, client }, async () => {
      const found = await findPersonByEmail(this.deps.db, email);
      const ok = await verifyPassword(password, found?.password_hash ?? DUMMY_HASH);
      return found && found.password_hash && ok ? found : false;
    });
    if (!person) throw new DomainError('INVALID_CREDENTIALS', 'The email or password is wrong.');
    const orgs = await this.consoleOrganizations(person.id);
    if (orgs.length === 0) {
      // Deactivated somewhere: say so and where, rather than blaming the roles.
      const deactivated = (await membersOfPerson(this.deps.db, person.id)).filter((m) => m.status === 'deactivated');
      if (deactivated.length) {
        const names = (await Promise.all(deactivated.map((m) => findOrganization(this.deps.db, m.organization_id)))).map((o) => o?.name ?? 'an organization');
        throw new DomainError('NO_CONSOLE_ACCESS', `Your account is deactivated in ${names.join(', ')}: ask an admin there to reactivate you.`);
      }
      throw new DomainError(
        'NO_CONSOLE_ACCESS',
        'Your roles give you no access to the admin console. Ask an admin of your organization for a role with console permissions.',
      );
    }
    const chosen = organizationId !== undefined ? orgs.find((o) => o.id === organizationId) : orgs[0];
    if (!chosen) throw new DomainError('FORBIDDEN', 'You have no console access in that organization.');
    const token = newToken();
    const now = this.now();
    const session: Session = { personId: person.id, email, organizationId: chosen.id, createdAt: now, lastSeenAt: now };
    await insertSession(this.deps.db, { token_hash: hashToken(token), person_id: person.id, email, organization_id: chosen.id, created_at: this.iso(now), last_seen_at: this.iso(now) });
    return { token, session };
  }

  /** The session row behind a token and whether the idle lock has passed (no write). */
  private async lookup(token: string): Promise<{ key: string; session: Session; idleLockMinutes: number | null; idle: boolean } | null> {
    const key = hashToken(token);
    return this.liveRow(key, await findSession(this.deps.db, key));
  }

  private liveRow(key: string, row: (ConsoleSession & { idle_lock_minutes: number | null }) | undefined): { key: string; session: Session; idleLockMinutes: number | null; idle: boolean } | null {
    if (!row || row.ended_at) return null;
    const session: Session = {
      personId: row.person_id,
      email: row.email,
      organizationId: row.organization_id,
      createdAt: Date.parse(row.created_at),
      lastSeenAt: Date.parse(row.last_seen_at),
    };
    const idleLockMinutes = row.idle_lock_minutes;
    const idle = idleLockMinutes === null || this.now() - session.lastSeenAt > idleLockMinutes * 60 * 1000;
    return { key, session, idleLockMinutes, idle };
  }

  /** The live session for a token, touched; ends it when idle longer than the organization allows. */
  /**
   * `userIdleMs`: how long ago the person last touched the console, as the console reports it.
   * Calls made without the person (a refresh after an invitee acted) must not keep the session
   * alive, so the session's activity is the person's, not the calls'. Unknown (API clients): now.
   */
  async resume(token: string | null | undefined, userIdleMs: number | null = null): Promise<Session | null> {
    if (!token) return null;
    return this.resumeFound(await this.lookup(token), userIdleMs);
  }

  /**
   * `resume` and the session's member with its authorization, from one query (every console call
   * makes it: sessions.repo.ts findSessionWithAuthz). Null when the session has ended.
   */
  async resumeWithMember(token: string | null | undefined, userIdleMs: number | null = null): Promise<SessionWithMember | null> {
    if (!token) return null;
    const key = hashToken(token);
    const row = await this.sessionWithAuthz(key);
    const session = await this.resumeFound(this.liveRow(key, row), userIdleMs);
    if (!session || !row) return null;
    // The touch moved the session's activity: the copy says so too (a touch does not move the generation).
    row.last_seen_at = this.iso(session.lastSeenAt);
    if (row.member_id === null || row.member_status === null) return { session, member: null, authz: null };
    return { session, member: { id: row.member_id, status: row.member_status }, authz: this.authzOf(row) };
  }

  /** The Authz of each kept copy (an Authz never changes, and keeps its answers): built once per copy, not per call. */
  private readonly authzOfCopy = new WeakMap<SessionWithAuthz, Authz>();

  private authzOf(row: SessionWithAuthz): Authz {
    let authz = this.authzOfCopy.get(row);
    if (!authz) {
      const grants = row.grants.map((g) => ({ permission: g.permission, accountId: g.account_id, roleName: g.role_name }));
      this.authzOfCopy.set(row, (authz = new Authz(grants, new AccountTree(row.accounts))));
    }
    return authz;
  }

  /** Copies of findSessionWithAuthz by token hash, each with the store generation it was read under. */
  private readonly authzCopies = new Map<string, { generation: string; row: SessionWithAuthz }>();

  /**
   * The session's row with its member and grants: every console call asks for it (issue 17, item 5).
   * On the SQLite file a copy is kept per session and used while the store's generation stands
   * (db/authz-watch.ts: no write to what it is read from, here or in another connection); a role
   * taken away, a member deactivated or a session ended moves the generation, and the next call
   * reads it again. Where nothing may be cached (PostgreSQL) it is read every time.
   */
  private async sessionWithAuthz(key: string): Promise<SessionWithAuthz | undefined> {
    const generation = this.deps.authzGeneration?.();
    if (generation === undefined) return findSessionWithAuthz(this.deps.db, key);
    const copy = this.authzCopies.get(key);
    if (copy && copy.generation === generation) return copy.row;
    const row = await findSessionWithAuthz(this.deps.db, key);
    // Only live sessions are kept: unknown tokens must not push them out.
    if (!row || row.ended_at) return row;
    if (this.authzCopies.size >= MAX_AUTHZ_COPIES) this.authzCopies.delete(this.authzCopies.keys().next().value!);
    this.authzCopies.delete(key);
    this.authzCopies.set(key, { generation, row });
    return row;
  }

  private async resumeFound(found: { key: string; session: Session; idleLockMinutes: number | null; idle: boolean } | null, userIdleMs: number | null): Promise<Session | null> {
    if (!found) return null;
    const { key, session, idleLockMinutes, idle } = found;
    if (idle) {
      // The organization is gone (null), or the idle lock passed: ended here, for every process.
      const reason = idleLockMinutes === null ? null : `The console locked after ${idleLockMinutes} minutes without activity: sign in again.`;
      if (await endSession(this.deps.db, key, this.iso(this.now()), reason)) this.announce(key);
      return null;
    }
    const lastInput = this.now() - Math.max(0, userIdleMs ?? 0);
    if (lastInput - session.lastSeenAt >= TOUCH_SLACK_MS) {
      session.lastSeenAt = lastInput;
      const touch = () => touchSession(this.deps.db, key, this.iso(lastInput));
      // While a worker batch holds the SQLite file's write lock, a write here would sleep in the busy
      // handler, holding the event loop (every request) until the batch commits: the touch waits instead.
      if (this.deps.batches?.busy) void this.deps.batches.idle().then(touch).catch(() => undefined);
      else await touch();
    }
    return session;
  }

  /** Ends every session of a person (after a password change, for instance), on every process. */
  async revokePerson(personId: number): Promise<void> {
    for (const key of await endSessionsOfPerson(this.deps.db, personId)) this.announce(key);
  }

  private readonly endListeners = new Set<(tokenHash: string | null) => void>();

  /**
   * Tells `listener` (an open /events stream) when a session ends: its token hash when it ended in
   * this process, null when some session ended in another process (check yours again).
   */
  onEnd(listener: (tokenHash: string | null) => void): () => void {
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  /** Another process ended sessions (team mode's change feed): open streams check theirs. */
  endedElsewhere(): void {
    for (const l of this.endListeners) l(null);
  }

  /** Called with each session this process ends (the runtime tells the other processes). */
  onEndedHere: ((tokenHash: string) => void) | null = null;

  private announce(key: string): void {
    for (const l of this.endListeners) l(key);
    this.onEndedHere?.(key);
  }

  /**
   * Whether the session behind a token still stands and its person is still an active member of
   * its organization, without touching it (a stream's own traffic must not keep a console open).
   */
  async stillActive(token: string | null | undefined): Promise<boolean> {
    if (!token) return false;
    const found = await this.lookup(token);
    if (!found || found.idle) return false;
    const { session } = found;
    return (await membersOfPerson(this.deps.db, session.personId)).some((m) => m.organization_id === session.organizationId && m.status === 'accepted');
  }

  /** Why the session behind this token ended, if Roster ended it (idle lock). */
  async endReason(token: string | null | undefined): Promise<string | null> {
    if (!token) return null;
    return (await findSession(this.deps.db, hashToken(token)))?.ended_reason ?? null;
  }

  async switchOrganization(token: string, organizationId: number): Promise<void> {
    await setSessionOrganization(this.deps.db, hashToken(token), organizationId);
  }

  async signOut(token: string | null | undefined): Promise<void> {
    if (!token) return;
    const key = hashToken(token);
    if (await endSession(this.deps.db, key, this.iso(this.now()), null)) this.announce(key);
  }

  /** Sessions unused for a day and ended ones kept a day for their reason go (the runtime's minute sweep). */
  async sweep(): Promise<number> {
    const dayAgo = this.iso(this.now() - SESSION_MAX_IDLE_MS);
    return sweepSessions(this.deps.db, dayAgo, dayAgo);
  }
}
