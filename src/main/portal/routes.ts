import type { IncomingMessage, ServerResponse } from 'node:http';
import { PASSWORD_POLICY } from '../core/passwords';
import { isDomainError } from '../core/errors';
import type { LinkPurpose } from '../db/tables/link.table';
import type { ServiceDeps } from '../services/deps';
import { tooMany } from '../services/guesses';
import { acceptInvitation, acceptReactivation, declineInvitation, inspectLink, requestPhoneCode, resetPassword, type LinkView, type SmsSender } from '../services/invitee';
import { formatExpiry } from '../mail/templates';
import { html, page, STYLE, type Safe } from './html';
import { clientAddress, csrfToken, csrfValid, FormTooLarge, portalHeaders, RateLimiter, readForm } from './security';

const PATHS: Record<string, LinkPurpose> = { invite: 'invitation', reactivate: 'reactivation', reset: 'password_reset' };

export interface PortalOptions {
  deps: ServiceDeps;
  /** Attempts per link token and per client address, to stop guessing. */
  perToken?: RateLimiter;
  perClient?: RateLimiter;
  /** Tells listeners (the admin's table) that a member changed, so it refreshes at once. */
  onChange?: () => void;
  /** Reverse proxies whose X-Forwarded-For is believed (default: ROSTER_TRUSTED_PROXIES). */
  trustedProxies?: string[];
  /** How phone codes leave: the organization's SMS webhook unless a test supplies its own. */
  sendSms?: SmsSender;
}

function send(res: ServerResponse, status: number, body: string, type = 'text/html; charset=utf-8'): void {
  portalHeaders(res);
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.end(body);
}

function problemPage(res: ServerResponse, status: number, title: string, message: string): void {
  send(res, status, page(title, html`<h1>${title}</h1><p>${message}</p><p class="dim">You can close this page.</p>`));
}

const LINK_TITLES: Record<string, string> = {
  LINK_INVALID: 'This link is not valid',
  LINK_EXPIRED: 'This link has expired',
  LINK_CANCELLED: 'This invitation was cancelled',
  LINK_SUPERSEDED: 'This link was replaced',
  LINK_USED: 'This link was already used',
  LINK_DECLINED: 'You declined this invitation',
  LINK_ACCESS_ENDED: 'Your access has ended',
};

function details(view: LinkView): Safe {
  return html`<dl>
<dt>Organization</dt><dd>${view.organizationName}</dd>
${view.inviter ? html`<dt>Invited by</dt><dd>${view.inviter}</dd>` : ''}
<dt>Email</dt><dd>${view.email}</dd>
${view.roles.length ? html`<dt>Role</dt><dd>${view.roles.join(', ')}</dd>` : ''}
<dt>Valid until</dt><dd>${formatExpiry(view.expiresAt, view.timeZone)}</dd>
</dl>`;
}

function passwordFields(error?: string): Safe {
  return html`${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<label for="password">Choose a password<span class="hint" id="password-hint">${PASSWORD_POLICY.description}</span></label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="${PASSWORD_POLICY.minLength}" aria-describedby="password-hint">
<label for="confirm">Repeat the password</label>
<input id="confirm" name="confirm" type="password" autocomplete="new-password" required>`;
}

/** The invitation itself, then a form posting to `step` with the given fields and accept button. */
function invitationForm(view: LinkView, token: string, csrf: string, step: 'accept' | 'phone', fields: Safe, acceptLabel: string): string {
  const intro = view.inviter ? `${view.inviter} invited you to join ${view.organizationName} on Roster.` : `You are invited to join ${view.organizationName} on Roster.`;
  return page(
    `Invitation to ${view.organizationName}`,
    html`<h1>Join ${view.organizationName}</h1>
<p>${intro}</p>
${details(view)}
<form method="post" action="/invite/${token}/${step}">
<input type="hidden" name="csrf" value="${csrf}">
${fields}
<div class="actions"><button type="submit">${acceptLabel}</button><a class="button secondary" href="/invite/${token}/decline">Decline</a></div>
</form>`,
  );
}

function phoneStepPage(view: LinkView, token: string, csrf: string, error?: string): string {
  const fields = html`${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<label for="phone">Mobile number<span class="hint" id="phone-hint">${view.organizationName} asks for it. We will text you a 6-digit code. International format, e.g. +33 6 12 34 56 78.</span></label>
<input id="phone" name="phone" type="tel" autocomplete="tel" required aria-describedby="phone-hint">`;
  return invitationForm(view, token, csrf, 'phone', fields, 'Accept and text me a code');
}

function codeStepPage(view: LinkView, token: string, csrf: string, phone: string, error?: string): string {
  return page(
    'Confirm your mobile number',
    html`<h1>Confirm your mobile number</h1>
<p>We sent a 6-digit code to ${phone}. It is valid for 10 minutes.</p>
<form method="post" action="/invite/${token}/accept">
<input type="hidden" name="csrf" value="${csrf}">
<input type="hidden" name="phone" value="${phone}">
<label for="code">Code from the text message</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required>
${view.needsPassword ? passwordFields(error) : currentPasswordField(error)}
<div class="actions"><button type="submit">Accept invitation</button></div>
</form>
<form method="post" action="/invite/${token}/phone">
<input type="hidden" name="csrf" value="${csrf}">
<input type="hidden" name="phone" value="${phone}">
<p class="dim">No message? <button type="submit" class="secondary">Send a new code</button></p>
</form>`,
  );
}

/** For someone who already signs in here (another organization): their password proves it is them. */
function currentPasswordField(error?: string): Safe {
  return html`${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<label for="password">Your current Roster password<span class="hint" id="password-hint">You already sign in to Roster with this address: keep using the same password.</span></label>
<input id="password" name="password" type="password" autocomplete="current-password" required aria-describedby="password-hint">`;
}

function invitationPage(view: LinkView, token: string, csrf: string, error?: string, phone?: string): string {
  if (view.requirePhone && phone) return codeStepPage(view, token, csrf, phone, error);
  if (view.requirePhone) return phoneStepPage(view, token, csrf, error);
  return invitationForm(view, token, csrf, 'accept', view.needsPassword ? passwordFields(error) : currentPasswordField(error), 'Accept invitation');
}

function declinePage(view: LinkView, token: string, csrf: string): string {
  return page(
    'Decline the invitation',
    html`<h1>Decline the invitation?</h1>
<p>${view.organizationName} will be told that you declined. The link will stop working.</p>
<form method="post" action="/invite/${token}/decline">
<input type="hidden" name="csrf" value="${csrf}">
<div class="actions"><button type="submit" class="danger">Yes, decline</button><a class="button secondary" href="/invite/${token}">Go back</a></div>
</form>`,
  );
}

function reactivationPage(view: LinkView, token: string, csrf: string): string {
  return page(
    `Reactivate your access to ${view.organizationName}`,
    html`<h1>Reactivate your access</h1>
<p>${view.organizationName} reactivated your account. Accept to sign in again with your email and password.</p>
${details(view)}
<form method="post" action="/reactivate/${token}/accept">
<input type="hidden" name="csrf" value="${csrf}">
<div class="actions"><button type="submit">Reactivate my access</button></div>
</form>`,
  );
}

function resetPage(view: LinkView, token: string, csrf: string, error?: string): string {
  return page(
    'Choose a new password',
    html`<h1>Choose a new password</h1>
<p>For ${view.email} at ${view.organizationName}.</p>
<form method="post" action="/reset/${token}/accept">
<input type="hidden" name="csrf" value="${csrf}">
${passwordFields(error)}
<div class="actions"><button type="submit">Save the new password</button></div>
</form>`,
  );
}

function donePage(title: string, message: string): string {
  return page(title, html`<h1>${title}</h1><p>${message}</p><p class="dim">Sign in to Roster with your email address and your password. You can close this page.</p>`);
}

/** An unknown token is a failed guess for its client. */
async function countUnknownToken(deps: ServiceDeps, client: string): Promise<void> {
  try {
    await (await deps.guesses.attempt({ client })).failed();
  } catch {
    // Already waiting: a refused attempt does not count.
  }
}

/** Handles the invitee's pages; returns false when the path is not one of them. */
export function createPortalHandler(opts: PortalOptions) {
  const perToken = opts.perToken ?? new RateLimiter(20, 10 * 60 * 1000);
  const perClient = opts.perClient ?? new RateLimiter(120, 60 * 1000);

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://portal.invalid');
    if (url.pathname === '/portal/style.css') {
      portalHeaders(res);
      res.setHeader('Content-Type', 'text/css; charset=utf-8');
      res.setHeader('Cache-Control', 'public, max-age=3600');
      res.end(STYLE);
      return true;
    }
    const m = /^\/(invite|reactivate|reset)\/([^/]+)(?:\/(accept|decline|phone))?\/?$/.exec(url.pathname);
    if (!m) return false;
    const purpose = PATHS[m[1]!]!;
    const token = m[2]!;
    const step = m[3] ?? null;
    const client = clientAddress(req, opts.trustedProxies);
    // Per link first: a flood of other links from the same address does not spend this link's budget.
    if (!(await perToken.take(opts.deps.db, `${purpose}:${token}`)) || !(await perClient.take(opts.deps.db, client))) {
      problemPage(res, 429, 'Too many attempts', 'Too many attempts were made with this link. Wait a few minutes and try again.');
      return true;
    }
    // Guessing tokens goes through the same limiter as passwords and codes (services/guesses.ts),
    // keyed by the same client address as the console's sign-in in web mode.
    const guessClient = client;
    const waitMs = await opts.deps.guesses.wait({ client: guessClient });
    if (waitMs > 0) {
      problemPage(res, 429, 'Too many attempts', tooMany(waitMs).message);
      return true;
    }
    try {
      if (req.method === 'GET' || req.method === 'HEAD') {
        const view = await inspectLink(opts.deps, token, purpose);
        const csrf = csrfToken(req, res);
        if (purpose === 'invitation') send(res, 200, step === 'decline' ? declinePage(view, token, csrf) : invitationPage(view, token, csrf));
        else if (purpose === 'reactivation') send(res, 200, reactivationPage(view, token, csrf));
        else send(res, 200, resetPage(view, token, csrf));
        return true;
      }
      if (req.method !== 'POST' || !step) {
        problemPage(res, 405, 'Not allowed', 'This page cannot be used that way.');
        return true;
      }
      const form = await readForm(req);
      if (!csrfValid(req, form.csrf)) {
        problemPage(res, 403, 'Please try again', 'Your form expired or came from another site. Open the link from your email again.');
        return true;
      }
      const again = async (status: number, error: string) => {
        const view = await inspectLink(opts.deps, token, purpose);
        const csrf = csrfToken(req, res);
        send(res, status, purpose === 'invitation' ? invitationPage(view, token, csrf, error, step === 'accept' ? form.phone || undefined : undefined) : resetPage(view, token, csrf, error));
        return true;
      };
      if ((purpose === 'invitation' && step === 'accept') || purpose === 'password_reset') {
        if (form.confirm !== undefined && form.password !== form.confirm) return again(400, 'The two passwords are different: type the same password twice.');
      }
      try {
        if (purpose === 'invitation' && step === 'phone') {
          const { phone } = await requestPhoneCode(opts.deps, token, form.phone ?? '', opts.sendSms);
          const view = await inspectLink(opts.deps, token, purpose);
          send(res, 200, codeStepPage(view, token, csrfToken(req, res), phone));
        } else if (purpose === 'invitation' && step === 'accept') {
          const r = await acceptInvitation(opts.deps, token, { password: form.password, phone: form.phone || null, code: form.code, client: guessClient });
          opts.onChange?.();
          send(res, 200, donePage(`Welcome to ${r.organizationName}`, `Your invitation is accepted.`));
        } else if (purpose === 'invitation' && step === 'decline') {
          const r = await declineInvitation(opts.deps, token);
          opts.onChange?.();
          send(res, 200, page('Invitation declined', html`<h1>Invitation declined</h1><p>You declined the invitation to ${r.organizationName}. If this was a mistake, ask them to invite you again.</p>`));
        } else if (purpose === 'reactivation') {
          const r = await acceptReactivation(opts.deps, token);
          opts.onChange?.();
          send(res, 200, donePage('Access reactivated', `Your access to ${r.organizationName} is back.`));
        } else {
          await resetPassword(opts.deps, token, form.password ?? '');
          send(res, 200, donePage('Password changed', 'Your new password is saved.'));
        }
      } catch (e) {
        if (isDomainError(e) && (e.code === 'VALIDATION' || e.code === 'CODE_INVALID' || e.code === 'SMS_FAILED')) return again(400, e.message);
        if (isDomainError(e) && e.code === 'RATE_LIMITED') {
          problemPage(res, 429, 'Too many attempts', e.message);
          return true;
        }
        throw e;
      }
      return true;
    } catch (e) {
      if (e instanceof FormTooLarge) {
        // The rest of the body is not read: the connection closes after this answer.
        res.setHeader('Connection', 'close');
        problemPage(res, 413, 'This form is too large', `A form on this page is at most ${e.maxBytes / 1024} KB. Go back, check what you typed and send it again.`);
        return true;
      }
      if (isDomainError(e) && e.code === 'LINK_INVALID') await countUnknownToken(opts.deps, guessClient);
      if (isDomainError(e) && e.code.startsWith('LINK_')) {
        problemPage(res, 410, LINK_TITLES[e.code] ?? 'This link is not valid', e.message);
        return true;
      }
      throw e;
    }
  };
}
