/**
 * The invitee's side, used only by the portal's pages (src/main/portal/), which add the rate
 * limits and CSRF checks: an invitee's token goes through no other door.
 */
export { acceptInvitation, acceptReactivation, declineInvitation, inspectLink, resetPassword, type LinkView } from './commands';
export { CODE_DIGITS, CODE_VALIDITY_MS, MAX_CODE_FAILURES, requestPhoneCode, webhookSmsSender, type SmsSender } from './phone';
