import { Alert, Badge, Button, Group, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMe } from '../me';
import { errorMessage, useTRPC } from '../trpc';
import { formatDate } from './labels';

const STATE_LABEL: Record<string, string> = { pending: 'Pending', in_flight: 'Sending', synced: 'Synced', failed: 'Failed', blocked: 'Blocked' };
const STATE_COLOR: Record<string, string> = { pending: 'gray', in_flight: 'blue', synced: 'green', failed: 'red', blocked: 'orange' };

/** "just now", "2 min ago", "3 h ago", else the date. */
export function ago(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.max(1, Math.round(s / 60))} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `on ${formatDate(iso)}`;
}

/**
 * The member's SCIM sync state in the side panel, for a viewer holding the sync permission at the
 * company account, when sync is set up: otherwise nothing is shown.
 */
export function MemberSync({ memberId, memberStatus, label }: { memberId: number; memberStatus: string; label: string }) {
  const me = useMe();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const allowed = me.orgPermissions.includes('sync.manage');
  const q = useQuery({ ...trpc.sync.objectOf.queryOptions({ localType: 'member', localId: memberId }, { enabled: allowed }), refetchInterval: (x) => (x.state.data && (x.state.data.queued || x.state.data.object?.state !== 'synced') ? 1500 : 5000), retry: false });
  const retry = useMutation(trpc.sync.objectAction.mutationOptions({ onSettled: () => qc.invalidateQueries({ queryKey: trpc.sync.objectOf.queryKey() }) }));
  if (!allowed || !q.data) return null;
  const { object: o, queued, paused } = q.data;
  const travels = memberStatus === 'accepted' || memberStatus === 'deactivated';
  let line: string;
  let state: string | null = o?.state ?? null;
  if (!o && !travels) line = 'Not synced: invitations travel once accepted.';
  else if (!o && !queued) line = 'Not sent yet.';
  else if (queued && (!o || o.state === 'synced')) {
    state = 'pending';
    line = 'A change waits for the next push.';
  } else if (o!.state === 'synced') line = o!.syncedAt ? `Synced ${ago(o!.syncedAt)}` : 'Synced';
  else if (o!.state === 'failed') line = '';
  else if (o!.state === 'blocked') line = o!.detail ?? 'Waiting for another object.';
  else if (o!.state === 'in_flight') line = 'Being sent now.';
  else line = 'Waiting for the next push.';
  return (
    <section aria-label="Sync">
      <Text size="xs" c="dimmed" fw={600} tt="uppercase">Sync</Text>
      <Group gap="xs" mt={4} wrap="nowrap" align="flex-start">
        {state && <Badge color={STATE_COLOR[state]} variant="light">{STATE_LABEL[state]}</Badge>}
        <Text size="sm">{line}</Text>
      </Group>
      {o?.state === 'failed' && (
        <Text size="sm" mt={4}>
          The server answered {o.status ?? 'nothing'}{o.scimType ? ` (${o.scimType})` : ''}{o.detail ? `: ${o.detail}` : ''}. {o.attempts} attempt{o.attempts === 1 ? '' : 's'}
          {o.nextRetryAt ? `, next retry ${formatDate(o.nextRetryAt)}` : ', no automatic retry'}.
        </Text>
      )}
      {paused && <Text size="sm" c="orange" mt={4}>Sync is paused: {paused}</Text>}
      {o && (o.state === 'failed' || o.state === 'blocked') && (
        <Button size="xs" variant="light" mt="xs" loading={retry.isPending} aria-label={`Retry sync of ${label}`} onClick={() => retry.mutate({ objectId: o.id, action: 'retry' })}>
          Retry
        </Button>
      )}
      {retry.error && <Alert color="red" mt="xs">{errorMessage(retry.error)}</Alert>}
    </section>
  );
}
