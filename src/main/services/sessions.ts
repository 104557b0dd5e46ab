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

/**
 * Sessions live in the main process only: the renderer holds an opaque token (an HttpOnly cookie
 * in web mode, nothing at all over IPC), and only its hash is kept here.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
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

  /** Ends every session of a person (after a password change, for instance). */
  revokePerson(personId: number): void {
    for (const [key, session] of this.sessions) if (session.personId === personId) this.end(key);
  }

  private readonly endListeners = new Set<(tokenHash: string) => void>();

  /** Tells `listener` (an open /events stream) when a session ends; returns how to stop listening. */
  onEnd(listener: (tokenHash: string) => void): () => void {
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  private end(key: string): void {
    if (!this.sessions.delete(key)) return;
    for (const l of this.endListeners) l(key);
  }

  /**
   * Whether the session behind a token still stands and its person is still an active member of
   * its organization, without touching it (a stream's own traffic must not keep a console open).
   */
  async stillActive(token: string | null | undefined): Promise<boolean> {
    if (!token) return false;
    const session = this.sessions.get(hashToken(token));
    if (!session) return false;
    const org = await findOrganization(this.deps.db, session.organizationId);
    if (!org || this.now() - session.lastSeenAt > org.idle_lock_minutes * 60 * 1000) return false;
    return (await membersOfPerson(this.deps.db, session.personId)).some((m) => m.organization_id === session.organizationId && m.status === 'accepted');
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
    if (token) this.end(hashToken(token));
  }
}
