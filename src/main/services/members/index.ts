/** The members area: invite, guard, command, edit, expire, list. Callers import from here. */
export * from './bulk';
export * from './commands';
export * from './edit';
export * from './expiry';
export { inviteGrants, type InviteGrants } from './grants';
export * from './guards';
export * from './invite';
export * from './queries';
