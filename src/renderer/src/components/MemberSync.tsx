import { SyncState } from './SyncState';

export { ago } from './SyncState';

/**
 * The member's SCIM sync state in the side panel (components/SyncState.tsx), for a viewer holding the
 * sync permission at the company account, when sync is set up: otherwise nothing is shown.
 */
export function MemberSync({ memberId, memberStatus, label }: { memberId: number; memberStatus: string; label: string }) {
  const travels = memberStatus === 'accepted' || memberStatus === 'deactivated';
  return <SyncState localType="member" localId={memberId} label={label} notTravelling={travels ? null : 'Not synced: invitations travel once accepted.'} />;
}
