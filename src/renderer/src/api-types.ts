import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
// The only thing the renderer takes from the main process: a type.
import type { AppRouter } from '../../main/api/router';

/**
 * Every shape the router returns or takes, inferred from AppRouter: pages name these instead of
 * copying fields, so a change on the server is a type error here, not a silent mismatch.
 */
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type RouterInputs = inferRouterInputs<AppRouter>;

export type AuthState = RouterOutputs['auth']['state'];
/** The signed-in person, as `auth.state` reports them. */
export type Me = NonNullable<AuthState['me']>;

export type MembersListInput = RouterInputs['members']['list'];
export type MemberSort = NonNullable<MembersListInput['sort']>;
export type MemberPage = RouterOutputs['members']['list'];
export type MemberRow = MemberPage['items'][number];
export type MemberDelivery = NonNullable<MemberRow['delivery']>;
export type MemberDetail = RouterOutputs['members']['detail'];
export type MemberCounts = RouterOutputs['members']['counts'];

export type AccountRow = RouterOutputs['accounts']['list'][number];
export type RoleRow = RouterOutputs['roles']['list'][number];
export type AuditEntry = RouterOutputs['audit']['list'][number];
export type AuditListInput = RouterInputs['audit']['list'];

export type InviteEntryInput = RouterInputs['members']['preview']['entries'][number];
export type InviteResult = RouterOutputs['members']['invite'];
