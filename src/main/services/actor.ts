import type { Authz } from '../core/authz';
import type { Actor } from './deps';

/** The signed-in admin, with what they may do. */
export interface AdminActor extends Actor {
  personId: number;
  memberId: number;
  authz: Authz;
}

/** Owners hold every permission, deleting the organization included. */
export function isOwner(authz: Authz): boolean {
  return authz.can('organization.delete');
}
