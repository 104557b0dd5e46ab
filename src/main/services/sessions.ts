import { DomainError } from '../core/errors';
import { verifyPassword } from '../core/passwords';
import { hashToken, newToken } from '../core/tokens';
import { normalizeEmail } from '../core/addresses';
import { membersOfPerson } from '../db/repos/members.repo';
import { findOrganization, listOrganizations } from '../db/repos/organizations.repo';
import { findPersonByEmail } from '../db/repos/people.repo';
import type { ServiceDeps } from './deps';
import { loadAuthz } from './organizations';

export interface Session {
  personId: number;
  email: string;
  organizationId: number;
  createdAt: number;
  lastSeenAt: number;
}

/** A scrypt hash of nothing in particular, so an unknown address costs as much as a wrong password. */
const DUMMY_HASH = 'scrypt$131072$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

const MAX_FAILURES = 5;
const FAILURE_WINDOW_MS = 15 * 60 * 1000;

/**
 * Sessions live in the main process only: the renderer holds an opaque token (an HttpOnly cookie
 * in web mode, nothing at all over IPC), and only its hash is kept here.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly failures = new Map<string, number[]>();
  /** Why a recent session ended, so the console can say it (by token hash). */
  private readonly ended = new Map<string, string>();

  constructor(private readonly deps: ServiceDeps) {}

  private now(): number {
    return this.deps.clock.now().getTime();
  }

  /** Organizations where this person is an active member with some console permission. */
  async consoleOrganizations(personId: number): Promise<{ id: number; name: string }[]> {
    const memberships = (await membersOfPerson(this.deps.db, personId)).filter((m) => m.status === 'accepted');
    const allowed: number[] = [];
    for (const m of memberships) if ((await loadAuthz(this.deps.db, m.organization_id, m.id)).hasConsoleAccess()) allowed.push(m.organization_id);
    return (await listOrganizations(this.deps.db, allowed)).map((o) => ({ id: o.id, name: o.name }));
  }

  async signIn(emailInput: string, password: string, organizationId?: number): Promise<{ token: string; session: Session }> {
    const email = normalizeEmail(emailInput);
    const recent = (this.failures.get(email) ?? []).filter((t) => t > this.now() - FAILURE_WINDOW_MS);
    if (recent.length >= MAX_FAILURES)
      throw new DomainError('RATE_LIMITED', 'Too many failed attempts for this address: wait 15 minutes and try again.');
    // Counted before the (slow) check, so parallel guesses cannot all slip under the limit.
    recent.push(this.now());
    this.failures.set(email, recent);
    if (this.failures.size > 10_000) this.pruneFailures();
    const person = await findPersonByEmail(this.deps.db, email);
    const ok = await verifyPassword(password, person?.password_hash ?? DUMMY_HASH);
    if (!person || !person.password_hash || !ok) throw new DomainError('INVALID_CREDENTIALS', 'The email or password is wrong.');
    this.failures.delete(email);
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
    const session: Session = { personId: person.id, email, organizationId: chosen.id, createdAt: this.now(), lastSeenAt: this.now() };
    this.sessions.set(hashToken(token), session);
    return { token, session };
  }

  /** The live session for a token, touched; ends it when idle longer than the organization allows. */
  /**
   * `userIdleMs`: how long ago the person last touched the console, as the console reports it.
   * Calls made without the person (a refresh after an invitee acted) must not keep the session
   * alive, so the session's activity is the person's, not the calls'. Unknown (API clients): now.
   */
  async resume(token: string | null | undefined, userIdleMs: number | null = null): Promise<Session | null> {
    if (!token) return null;
    const key = hashToken(token);
    const session = this.sessions.get(key);
    if (!session) return null;
    const org = await findOrganization(this.deps.db, session.organizationId);
    const idleMs = (org?.idle_lock_minutes ?? 15) * 60 * 1000;
    if (!org || this.now() - session.lastSeenAt > idleMs) {
      this.sessions.delete(key);
      if (org) {
        if (this.ended.size > 1000) this.ended.clear();
        this.ended.set(key, `The console locked after ${org.idle_lock_minutes} minutes without activity: sign in again.`);
      }
      return null;
    }
    const lastInput = this.now() - Math.max(0, userIdleMs ?? 0);
    session.lastSeenAt = Math.max(session.lastSeenAt, lastInput);
    return session;
  }

  private pruneFailures(): void {
    const cutoff = this.now() - FAILURE_WINDOW_MS;
    for (const [email, times] of this.failures) if (!times.some((t) => t > cutoff)) this.failures.delete(email);
  }

  /** Ends every session of a person (after a password change, for instance). */
  revokePerson(personId: number): void {
    for (const [key, session] of this.sessions) if (session.personId === personId) this.sessions.delete(key);
  }

  /** Why the session behind this token ended, if Roster ended it (idle lock). */
  endReason(token: string | null | undefined): string | null {
    return token ? (this.ended.get(hashToken(token)) ?? null) : null;
  }

  switchOrganization(token: string, organizationId: number): void {
    const session = this.sessions.get(hashToken(token));
    if (session) session.organizationId = organizationId;
  }

  signOut(token: string | null | undefined): void {
    if (token) this.sessions.delete(hashToken(token));
  }
}
