import { Alert, Badge, Box, Button, Group, Paper, Select, Text, type MantineSpacing } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { AccountRow } from '../api-types';
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

export type SyncLocalType = 'member' | 'role' | 'account';

/** Does the viewer see sync state at all (the org-wide sync permission)? */
export function useCanSeeSync(): boolean {
  return useMe().orgPermissions.includes('sync.manage');
}

/**
 * One member's, role's or sub-account's SCIM sync state (pending, sending, synced when, failed with
 * the server's status, scimType, detail, attempts and next retry, blocked) with Retry, for a viewer
 * holding the sync permission at the company account, when sync is set up: otherwise nothing.
 * `notTravelling` explains a member who does not travel (an invitation).
 */
export function SyncState(props: { localType: SyncLocalType; localId: number; label: string; notTravelling?: string | null; title?: string; mt?: MantineSpacing }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const allowed = useCanSeeSync();
  const q = useQuery({
    ...trpc.sync.objectOf.queryOptions({ localType: props.localType, localId: props.localId }, { enabled: allowed }),
    refetchInterval: (x) => (x.state.data && (x.state.data.queued || x.state.data.object?.state !== 'synced') ? 1500 : 5000),
    retry: false,
  });
  const retry = useMutation(trpc.sync.objectAction.mutationOptions({ onSettled: () => qc.invalidateQueries({ queryKey: trpc.sync.objectOf.queryKey() }) }));
  if (!allowed || !q.data) return null;
  const { object: o, queued, paused, companyAccount } = q.data;
  const what = props.localType === 'member' ? 'user' : 'group';
  let line: string;
  let state: string | null = o?.state ?? null;
  if (companyAccount) line = 'The company account is not sent as a group: each sub-account is, named by its path.';
  else if (!o && props.notTravelling) line = props.notTravelling;
  else if (!o && !queued) line = 'Not sent yet.';
  else if (queued && (!o || o.state === 'synced')) {
    state = 'pending';
    line = 'A change waits for the next push.';
  } else if (o!.state === 'synced') line = o!.remoteId ? (o!.syncedAt ? `Synced ${ago(o!.syncedAt)}` : 'Synced') : `Synced: the remote ${what} was removed.`;
  else if (o!.state === 'failed') line = '';
  else if (o!.state === 'blocked') line = o!.detail ?? 'Waiting for another object.';
  else if (o!.state === 'in_flight') line = 'Being sent now.';
  else line = 'Waiting for the next push.';
  const sectionLabel = props.title ?? 'Sync';
  return (
    <Box component="section" aria-label={sectionLabel} mt={props.mt}>
      <Text size="xs" c="dimmed" fw={600} tt="uppercase">{sectionLabel}</Text>
      <Group gap="xs" mt={4} wrap="nowrap" align="flex-start">
        {state && <Badge color={STATE_COLOR[state]} variant="light" style={{ flexShrink: 0 }}>{STATE_LABEL[state]}</Badge>}
        {line && <Text size="sm">{line}</Text>}
      </Group>
      {o?.state === 'failed' && (
        <Text size="sm" mt={4}>
          The server answered {o.status ?? 'nothing'}{o.scimType ? ` (${o.scimType})` : ''}{o.detail ? `: ${o.detail}` : ''}. {o.attempts} attempt{o.attempts === 1 ? '' : 's'}
          {o.nextRetryAt ? `, next retry ${formatDate(o.nextRetryAt)}` : ', no automatic retry'}.
        </Text>
      )}
      {paused && !companyAccount && <Text size="sm" c="orange" mt={4}>Sync is paused: {paused}</Text>}
      {o && (o.state === 'failed' || o.state === 'blocked') && (
        <Button size="xs" variant="light" mt="xs" loading={retry.isPending} aria-label={`Retry sync of ${props.label}`} onClick={() => retry.mutate({ objectId: o.id, action: 'retry' })}>
          Retry
        </Button>
      )}
      {retry.error && <Alert color="red" mt="xs">{errorMessage(retry.error)}</Alert>}
    </Box>
  );
}

/**
 * The Accounts page's sync details: choose a sub-account, see its group's sync state. Nothing for a
 * viewer without the sync permission, or when sync is not set up.
 */
export function AccountSyncDetails({ accounts }: { accounts: AccountRow[] }) {
  const trpc = useTRPC();
  const allowed = useCanSeeSync();
  const settings = useQuery({ ...trpc.sync.getSettings.queryOptions(), enabled: allowed });
  const subAccounts = accounts.filter((a) => a.parentId !== null);
  const [chosen, setChosen] = useState<string | null>(null);
  if (!allowed || !settings.data?.configured || subAccounts.length === 0) return null;
  const account = subAccounts.find((a) => String(a.id) === chosen) ?? null;
  return (
    <Paper withBorder p="md" component="section" aria-label="Sub-account sync">
      <Group align="flex-start" gap="xl" wrap="nowrap">
        <Select
          label="Sync state of"
          placeholder="Choose a sub-account"
          searchable
          data={subAccounts.map((a) => ({ value: String(a.id), label: a.path }))}
          value={chosen}
          onChange={setChosen}
          w={320}
          comboboxProps={{ width: 'max-content' }}
        />
        {account ? (
          <div style={{ flex: 1, minWidth: 0 }}>
            <SyncState localType="account" localId={account.id} label={account.path} />
          </div>
        ) : (
          <Text size="sm" c="dimmed" mt={28}>Each sub-account is sent to the SCIM server as a group named by its path, with the members who have access to it.</Text>
        )}
      </Group>
    </Paper>
  );
}
