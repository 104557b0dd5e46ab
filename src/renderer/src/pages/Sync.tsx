import { Alert, Badge, Button, Checkbox, Group, NumberInput, Paper, PasswordInput, Popover, Progress, SegmentedControl, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useRefusalOnForm } from '../form-errors';
import { errorMessage, useTRPC } from '../trpc';
import { useMe } from '../me';

const STATE_LABEL: Record<string, string> = { pending: 'Pending', in_flight: 'In flight', synced: 'Synced', failed: 'Failed', blocked: 'Blocked' };
const STATE_COLOR: Record<string, string> = { pending: 'gray', in_flight: 'blue', synced: 'green', failed: 'red', blocked: 'orange' };

function when(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : '';
}

/** SCIM sync: where the directory goes, how it is doing, and each object's state. */
export function SyncPage() {
  const me = useMe();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const settings = useQuery(trpc.sync.getSettings.queryOptions());
  const status = useQuery({ ...trpc.sync.status.queryOptions(), refetchInterval: (q) => (q.state.data?.running ? 1000 : 5000) });
  const objects = useQuery({ ...trpc.sync.objects.queryOptions({ limit: 200 }), refetchInterval: 5000, enabled: !!settings.data?.configured });
  // A new server starts switched off: the admin tests it, then ticks "Sync is on" (a save does not push to an untried server).
  const form = useForm({
    initialValues: { baseUrl: '', token: '', enabled: false, deletionPolicy: 'deactivate' as 'deactivate' | 'delete', guardPercent: 10, guardCount: 200, maxInFlight: 4, dryRun: false },
  });
  useEffect(() => {
    const s = settings.data;
    if (s?.configured) form.setValues({ baseUrl: s.baseUrl, token: '', enabled: s.enabled, deletionPolicy: s.deletionPolicy, guardPercent: s.guardPercent, guardCount: s.guardCount, maxInFlight: s.maxInFlight, dryRun: s.dryRun });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [settings.data]);
  const refresh = () => void qc.invalidateQueries();
  const save = useMutation(
    trpc.sync.saveSettings.mutationOptions({
      onSuccess: () => {
        notifications.show({ color: 'green', title: 'Sync settings saved', message: 'Changes will be pushed to the SCIM server.' });
        form.setFieldValue('token', '');
        refresh();
      },
    }),
  );
  const refused = useRefusalOnForm(form, save.error);
  const test = useMutation(trpc.sync.testConnection.mutationOptions());
  const testRefused = useRefusalOnForm(form, test.error);
  const push = useMutation(trpc.sync.pushNow.mutationOptions({ onSettled: refresh }));
  const approve = useMutation(trpc.sync.approve.mutationOptions({ onSettled: refresh }));
  const act = useMutation(trpc.sync.objectAction.mutationOptions({ onSettled: refresh }));
  const preview = useMutation({ mutationFn: () => qc.fetchQuery({ ...trpc.sync.preview.queryOptions(), staleTime: 0 }) });
  const recon = useMutation(trpc.sync.reconcile.mutationOptions());
  const st = status.data;
  const urlChanged = !!settings.data?.configured && form.values.baseUrl !== settings.data.baseUrl;
  // The test tries what the form holds; an empty token field means the saved token, which only goes to the saved URL.
  const untestable = !form.values.baseUrl.trim()
    ? 'Enter the SCIM base URL first'
    : !form.values.token.trim() && (!settings.data?.hasToken || urlChanged)
      ? 'Enter the bearer token first'
      : null;
  const total = st ? st.counts.synced + st.counts.pending + st.counts.inFlight + st.counts.failed + st.counts.blocked : 0;

  return (
    <Stack maw={960}>
      <div>
        <Title order={1} size="h2">Sync</Title>
        <Text c="dimmed" size="sm">
          Pushes {me.organization.name}'s members (as SCIM Users), roles and sub-accounts (as Groups) to another system's SCIM 2.0 API. Pending invitations do not travel.
        </Text>
      </div>

      {st?.paused && <Alert color="orange" title="Sync is paused" role="alert">{st.paused.reason}</Alert>}
      {st?.held && (
        <Alert color="yellow" title="A push is waiting for approval" role="alert">
          <Stack gap="xs">
            <Text size="sm">{st.held}</Text>
            <Group>
              <Button size="xs" color="orange" loading={approve.isPending} onClick={() => { if (window.confirm('Approve this push? The users it names will be deactivated or deleted on the SCIM server.')) approve.mutate(); }}>Approve the held push</Button>
            </Group>
          </Stack>
        </Alert>
      )}
      {st?.throttledUntil && <Alert color="blue">The server asked Roster to wait: the next request goes out at {when(st.throttledUntil)}.</Alert>}

      {st?.configured && (
        <Paper withBorder p="lg">
          <Stack gap="xs">
            <Title order={2} size="h4">Status</Title>
            {(st.running || push.isPending) && (
              <Stack gap={4}>
                <Progress value={total ? (100 * st.counts.synced) / total : 0} animated aria-label="Push in progress" />
                <Text size="xs" c="dimmed">Pushing: {st.counts.synced} of {total} objects synced, {st.counts.inFlight} being sent.</Text>
              </Stack>
            )}
            <Group>
              <Badge color="green" variant="light">Synced {st.counts.synced}</Badge>
              <Badge color="gray" variant="light">Pending {st.counts.pending + st.counts.queued}</Badge>
              {st.counts.inFlight > 0 && <Badge color="blue" variant="light">In flight {st.counts.inFlight}</Badge>}
              <Badge color="red" variant="light">Failed {st.counts.failed}</Badge>
              <Badge color="orange" variant="light">Blocked {st.counts.blocked}</Badge>
            </Group>
            {st.lastPushAt && <Text size="sm" c="dimmed">Last push {when(st.lastPushAt)}: {st.lastPushSummary}</Text>}
            <Group>
              <Button loading={push.isPending} onClick={() => push.mutate({ dryRun: false })}>Push now</Button>
              <Button variant="default" loading={push.isPending} onClick={() => push.mutate({ dryRun: true })}>Dry run (reads only)</Button>
            </Group>
            {push.data && <Text size="sm" role="status">Push: {push.data.outcome.replace('_', ' ')}{push.data.reason && push.data.outcome !== 'paused' ? ` — ${push.data.reason}` : ''} ({push.data.created} created, {push.data.updated} updated, {push.data.deactivated} deactivated, {push.data.failed} failed)</Text>}
            {push.error && <Alert color="red">{errorMessage(push.error)}</Alert>}
          </Stack>
        </Paper>
      )}

      {settings.data?.configured && (
        <Paper withBorder p="lg">
          <Stack>
            <Title order={2} size="h4">Next push and reconcile</Title>
            <Group>
              <Button variant="default" loading={preview.isPending} onClick={() => preview.mutate()}>Preview the next push</Button>
              <Button variant="default" loading={recon.isPending} onClick={() => recon.mutate()}>Reconcile (read the server)</Button>
            </Group>
            {preview.error && <Alert color="red">{errorMessage(preview.error)}</Alert>}
            {preview.data && (
              <>
                <Text size="sm" role="status" aria-label="Preview summary">
                  {preview.data.ops.length === 0 ? 'Nothing to send.' : `${preview.data.ops.length} operation${preview.data.ops.length === 1 ? '' : 's'}, ${preview.data.removals} deactivating or deleting a user${preview.data.wouldHold ? ' — held until approved' : ''}.`}
                </Text>
                {preview.data.ops.length > 0 && (
                  <Table aria-label="Next push">
                    <Table.Thead>
                      <Table.Tr>
                        <Table.Th>Operation</Table.Th>
                        <Table.Th>Object</Table.Th>
                        <Table.Th>Before → after</Table.Th>
                      </Table.Tr>
                    </Table.Thead>
                    <Table.Tbody>
                      {preview.data.ops.map((o) => (
                        <Table.Tr key={o.objectId}>
                          <Table.Td>{o.op}</Table.Td>
                          <Table.Td>{o.label}</Table.Td>
                          <Table.Td>
                            {o.changes.map((c) => (
                              <Text size="xs" key={c.attribute}>{c.attribute}: {JSON.stringify(c.before)} → {JSON.stringify(c.after)}</Text>
                            ))}
                          </Table.Td>
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                )}
              </>
            )}
            {recon.error && <Alert color="red">{errorMessage(recon.error)}</Alert>}
            {recon.data && (
              <Stack gap={4} aria-label="Reconcile report">
                <Text size="sm">Only on the server: {recon.data.remoteOnly.length === 0 ? 'none' : recon.data.remoteOnly.map((r) => r.name).join(', ')}</Text>
                <Text size="sm">Only in Roster: {recon.data.localOnly.length === 0 ? 'none' : recon.data.localOnly.map((r) => r.label).join(', ')}</Text>
                {recon.data.drifted.length === 0 && <Text size="sm">Drifted: none</Text>}
                {recon.data.drifted.map((d) => (
                  <Group key={d.objectId} gap="xs">
                    <Text size="sm">Drifted: {d.label} ({d.attributes.map((a) => a.attribute).join(', ')})</Text>
                    <Button size="compact-xs" variant="default" onClick={() => act.mutate({ objectId: d.objectId, action: 'repush' })}>Push again</Button>
                  </Group>
                ))}
              </Stack>
            )}
          </Stack>
        </Paper>
      )}

      <Paper withBorder p="lg">
        <form
          onSubmit={form.onSubmit((v) =>
            save.mutate({ baseUrl: v.baseUrl, token: v.token ? v.token : undefined, enabled: v.enabled, deletionPolicy: v.deletionPolicy, guardPercent: v.guardPercent, guardCount: v.guardCount, maxInFlight: v.maxInFlight, dryRun: v.dryRun }),
          )}
        >
          <Stack>
            <Title order={2} size="h4">SCIM server</Title>
            {refused && <Alert color="red" title="Not saved">{refused}</Alert>}
            <TextInput label="SCIM base URL" placeholder="https://idp.example.org/scim/v2" required {...form.getInputProps('baseUrl')} />
            <PasswordInput
              label="Bearer token"
              autoComplete="new-password"
              required={!settings.data?.hasToken || urlChanged}
              description={urlChanged ? 'The URL changed: enter the token again (it is never sent to another server).' : settings.data?.hasToken ? 'A token is stored (encrypted). Leave empty to keep it.' : 'Stored encrypted; never shown again.'}
              {...form.getInputProps('token')}
            />
            <Checkbox label="Sync is on" {...form.getInputProps('enabled', { type: 'checkbox' })} />
            <div>
              <Text size="sm" fw={500} id="sync-deletion-label">When a member is deleted</Text>
              <SegmentedControl
                aria-labelledby="sync-deletion-label"
                data={[{ value: 'deactivate', label: 'Deactivate remotely (active: false)' }, { value: 'delete', label: 'Delete remotely' }]}
                {...form.getInputProps('deletionPolicy')}
              />
            </div>
            <Group grow>
              <NumberInput label="Hold a push deactivating more than (%)" min={1} max={100} {...form.getInputProps('guardPercent')} />
              <NumberInput label="…or more than (users)" min={1} {...form.getInputProps('guardCount')} />
              <NumberInput label="Requests at a time" min={1} max={32} {...form.getInputProps('maxInFlight')} />
            </Group>
            <Checkbox label="Dry run: send only reads" {...form.getInputProps('dryRun', { type: 'checkbox' })} />
            <Group justify="flex-end">
              <Button variant="default" loading={test.isPending} disabled={untestable !== null} title={untestable ?? undefined} onClick={() => test.mutate({ baseUrl: form.values.baseUrl.trim(), token: form.values.token.trim() || undefined })}>
                Test connection
              </Button>
              <Button type="submit" loading={save.isPending}>Save sync settings</Button>
            </Group>
            {testRefused && <Alert color="red" title="Connection failed" role="alert">{testRefused}</Alert>}
            {test.data && (
              <Alert color={test.data.ok ? 'green' : 'red'} title={test.data.ok ? 'Connected' : 'Connection failed'} role="alert">
                {test.data.detail}
                {test.data.capabilities && (
                  <Text size="sm">
                    PATCH {test.data.capabilities.patch ? 'yes' : 'no'} · Bulk {test.data.capabilities.bulk ? `yes (maxOperations ${test.data.capabilities.maxOperations})` : 'no'} · filter {test.data.capabilities.filter ? 'yes' : 'no'} · ETag {test.data.capabilities.etag ? 'yes' : 'no'}
                  </Text>
                )}
              </Alert>
            )}
          </Stack>
        </form>
      </Paper>

      {settings.data?.configured && (
        <Paper withBorder p="lg">
          <Stack>
            <Title order={2} size="h4">Objects</Title>
            <Table striped aria-label="Synced objects">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Object</Table.Th>
                  <Table.Th>Kind</Table.Th>
                  <Table.Th>State</Table.Th>
                  <Table.Th>Details</Table.Th>
                  <Table.Th>Actions</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {(objects.data ?? []).map((o) => (
                  <Table.Tr key={o.id}>
                    <Table.Td>{o.label}</Table.Td>
                    <Table.Td>{o.kind === 'user' ? 'User' : 'Group'}</Table.Td>
                    <Table.Td><Badge color={STATE_COLOR[o.state]} variant="light">{STATE_LABEL[o.state]}</Badge></Table.Td>
                    <Table.Td>
                      <Text size="xs">
                        {o.state === 'synced' && (o.remoteId ? `last sent ${when(o.syncedAt)}` : 'removed from the server')}
                        {o.state === 'failed' && `${o.status ?? ''} ${o.scimType ?? ''} ${o.detail ?? ''} · ${o.attempts} attempt${o.attempts === 1 ? '' : 's'}${o.nextRetryAt ? ` · next ${when(o.nextRetryAt)}` : ''}`}
                        {o.state === 'blocked' && o.detail}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        {o.state === 'failed' && <Button size="compact-xs" variant="default" onClick={() => act.mutate({ objectId: o.id, action: 'retry' })} aria-label={`Retry ${o.label}`}>Retry</Button>}
                        {o.remoteId && (
                          <Button size="compact-xs" variant="default" color="red" aria-label={`Unlink ${o.label}`} onClick={() => { if (window.confirm(`Unlink ${o.label}? Roster forgets the remote object; the next push looks it up again.`)) act.mutate({ objectId: o.id, action: 'unlink' }); }}>
                            Unlink
                          </Button>
                        )}
                        <AdoptButton label={o.label} busy={act.isPending} onAdopt={(remoteId) => act.mutate({ objectId: o.id, action: 'adopt', remoteId })} />
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            {act.error && <Alert color="red">{errorMessage(act.error)}</Alert>}
          </Stack>
        </Paper>
      )}
    </Stack>
  );
}

/** Adopt a remote object: the admin types the remote id this object should be linked to (from the server's console or reconcile). */
function AdoptButton({ label, busy, onAdopt }: { label: string; busy: boolean; onAdopt(remoteId: string): void }) {
  const [opened, setOpened] = useState(false);
  const [remoteId, setRemoteId] = useState('');
  return (
    <Popover opened={opened} onChange={setOpened} trapFocus position="bottom-end" withArrow>
      <Popover.Target>
        <Button size="compact-xs" variant="default" aria-label={`Adopt a remote object for ${label}`} onClick={() => setOpened((x) => !x)}>
          Adopt…
        </Button>
      </Popover.Target>
      <Popover.Dropdown>
        <form
          onSubmit={(ev) => {
            ev.preventDefault();
            if (!remoteId.trim()) return;
            onAdopt(remoteId.trim());
            setOpened(false);
            setRemoteId('');
          }}
        >
          <Stack gap="xs" w={280}>
            <TextInput label="Remote id" description={`The id of the server's object to link to ${label}; the next push writes Roster's attributes to it.`} value={remoteId} onChange={(ev) => setRemoteId(ev.currentTarget.value)} data-autofocus />
            <Button type="submit" size="xs" loading={busy} disabled={!remoteId.trim()} title={remoteId.trim() ? undefined : 'Enter the remote id first'}>
              Adopt
            </Button>
          </Stack>
        </form>
      </Popover.Dropdown>
    </Popover>
  );
}
