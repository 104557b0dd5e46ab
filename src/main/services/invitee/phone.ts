import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { DomainError } from '../../core/errors';
import { findOrganization } from '../../db/repos/organizations.repo';
import { countPhoneCodeFailure, latestUnusedPhoneCode, markPhoneCodeUsed, phoneCodeFailures, replacePhoneCode } from '../../db/repos/phone.repo';
import type { ServiceDeps } from '../deps';
import { resolveLiveInvitation } from './links';
import { normalizePhone } from '../phones';

export const CODE_DIGITS = 6;
export const CODE_VALIDITY_MS = 10 * 60 * 1000;
export const MAX_CODE_FAILURES = 5;

/** Delivers a code to a phone: an HTTP POST to the organization's SMS gateway. */
export type SmsSender = (webhookUrl: string, message: { to: string; code: string; text: string }) => Promise<void>;

export const webhookSmsSender: SmsSender = async (url, message) => {
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message), signal: AbortSignal.timeout(10_000), redirect: 'error' });
  } catch {
    throw new DomainError('SMS_FAILED', 'The code could not be sent: the SMS gateway did not answer. Try again in a moment.');
  }
  if (!res.ok) throw new DomainError('SMS_FAILED', `The code could not be sent: the SMS gateway answered ${res.status}. Try again in a moment.`);
};

function hashCode(code: string, salt: string): string {
  return `${salt}$${createHash('sha256').update(`${salt}:${code}`).digest('hex')}`;
}

function codeMatches(code: string, stored: string): boolean {
  const [salt] = stored.split('$');
  const a = Buffer.from(hashCode(code, salt!));
  const b = Buffer.from(stored);
  return a.length === b.length && timingSafeEqual(a, b);
}

const TOO_MANY = 'Too many wrong codes for this invitation. Ask the organization to send you a new invitation.';

/** Sends a fresh code to the invitee's phone. Earlier codes stop working; the failure count stays. */
export async function requestPhoneCode(deps: ServiceDeps, token: string, phoneInput: string, send: SmsSender = webhookSmsSender): Promise<{ phone: string }> {
  const now = deps.clock.now();
  const { member } = await resolveLiveInvitation(deps.db, token, now.toISOString());
  const org = (await findOrganization(deps.db, member.organization_id))!;
  if (!org.require_phone) throw new DomainError('VALIDATION', 'This organization does not ask for a phone number.');
  if (!org.sms_webhook_url) throw new DomainError('SMS_FAILED', 'The organization has not set up text messages yet. Ask them to configure an SMS gateway.');
  const phone = normalizePhone(phoneInput);
  if (!phone) throw new DomainError('VALIDATION', 'Enter your mobile number in international format, e.g. +33 6 12 34 56 78.', { field: 'phone' });
  if ((await phoneCodeFailures(deps.db, member.id)) >= MAX_CODE_FAILURES) throw new DomainError('RATE_LIMITED', TOO_MANY);
  const code = String(randomInt(0, 10 ** CODE_DIGITS)).padStart(CODE_DIGITS, '0');
  await deps.db.transaction().execute((trx) =>
    replacePhoneCode(trx, { member_id: member.id, phone: phone.e164, code_hash: hashCode(code, randomBytes(16).toString('hex')), created_at: now.toISOString(), expires_at: new Date(now.getTime() + CODE_VALIDITY_MS).toISOString() }),
  );
  await send(org.sms_webhook_url, { to: phone.e164, code, text: `${code} is your ${org.name} code for Roster. It expires in 10 minutes.` });
  return { phone: phone.e164 };
}

/**
 * Checks and consumes a code. Runs in its own transaction so that a wrong code counts even when
 * the acceptance that follows fails.
 */
export async function verifyPhoneCode(deps: ServiceDeps, memberId: number, phone: string, code: string, client = 'portal'): Promise<void> {
  const now = deps.clock.now().toISOString();
  // The one guess limiter too (per invitation and per client), besides the stored count per invitation.
  const attempt = await deps.guesses.attempt({ person: `code:${memberId}`, client });
  const outcome = await deps.db.transaction().execute(async (trx) => {
    if ((await phoneCodeFailures(trx, memberId)) >= MAX_CODE_FAILURES) return 'locked' as const;
    const live = await latestUnusedPhoneCode(trx, memberId);
    if (live && live.phone === phone && live.expires_at > now && /^\d{6}$/.test(code.trim()) && codeMatches(code.trim(), live.code_hash)) {
      await markPhoneCodeUsed(trx, live.id, now);
      return 'ok' as const;
    }
    await countPhoneCodeFailure(trx, memberId);
    return live && live.expires_at <= now ? ('expired' as const) : ('wrong' as const);
  });
  if (outcome === 'ok') await attempt.succeeded();
  else await attempt.failed();
  if (outcome === 'locked') throw new DomainError('RATE_LIMITED', TOO_MANY);
  if (outcome === 'expired') throw new DomainError('CODE_INVALID', 'This code has expired: ask for a new one.', { field: 'code' });
  if (outcome === 'wrong') throw new DomainError('CODE_INVALID', 'This code is not right: check the message and try again, or ask for a new one.', { field: 'code' });
}
