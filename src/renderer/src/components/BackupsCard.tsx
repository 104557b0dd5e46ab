import { Alert, Button, Checkbox, Group, NumberInput, Paper, Select, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { errorMessage, useTRPC } from '../trpc';
import { ConfirmModal } from './ConfirmModal';
import { formatDate } from './labels';

/** Backups of the whole store (install Owner only): back up now, a daily schedule, restore with a confirmation. */
export function BackupsCard() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const list = useQuery(trpc.backup.list.queryOptions());
  const schedule = useQuery(trpc.backup.getSchedule.queryOptions());
  const [chosen, setChosen] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const refresh = () => void qc.invalidateQueries({ queryKey: trpc.backup.list.queryKey() });
  const create = useMutation(trpc.backup.create.mutationOptions({ onSuccess: refresh }));
  const restore = useMutation(
    trpc.backup.restore.mutationOptions({
      onSuccess: () => {
        setConfirming(false);
        void qc.invalidateQueries();
      },
    }),
  );
  const files = list.data ?? [];
  return (
    <Paper withBorder p="lg" component="section" aria-labelledby="backups-title">
      <Stack>
        <div>
          <Title order={2} size="h4" id="backups-title">Backups</Title>
          <Text c="dimmed" size="sm">A consistent copy of the whole directory, taken while Roster runs, kept in the data folder's backups folder.</Text>
        </div>
        {list.error && <Alert color="red" title="Backups unavailable">{errorMessage(list.error)}</Alert>}
        <Group>
          <Button loading={create.isPending} onClick={() => create.mutate({})}>Back up now</Button>
          {create.isPending && <Text size="sm" role="status">Backing up…</Text>}
        </Group>
        {create.data && (
          <Alert color="green" title="Backed up">
            {create.data.name} ({Math.ceil(create.data.bytes / 1024).toLocaleString('en-US')} KB), saved as {create.data.path}
          </Alert>
        )}
        {create.error && <Alert color="red" title="Not backed up">{errorMessage(create.error)}</Alert>}
        {schedule.data && <ScheduleForm initial={schedule.data} />}
        <Group align="end">
          <Select
            label="Restore from"
            placeholder={files.length ? 'Choose a backup' : 'No backups yet'}
            data={files.map((f) => ({ value: f.name, label: `${f.name} (${formatDate(f.createdAt)})` }))}
            value={chosen}
            onChange={setChosen}
            w={360}
          />
          <Button color="red" variant="light" disabled={!chosen} title={chosen ? undefined : 'Choose a backup to restore first'} onClick={() => setConfirming(true)}>
            Restore…
          </Button>
        </Group>
        {restore.data && <Alert color="green" title="Restored">Restored {restore.data.restored}. The previous store was kept as {restore.data.keptAside}.</Alert>}
        {restore.data && restore.data.invitationsPendingAgain + restore.data.invitationsWithoutLink > 0 && (
          <Alert color="yellow" title="To do after this restore">
            {[pendingAgainText(restore.data.invitationsPendingAgain), withoutLinkText(restore.data.invitationsWithoutLink)].filter(Boolean).join(' ')}
          </Alert>
        )}
        {restore.error && <Alert color="red" title="Not restored">{errorMessage(restore.error)}</Alert>}
      </Stack>
      <ConfirmModal
        opened={confirming}
        title="Restore this backup?"
        message={`Every change made after ${chosen ?? 'the backup'} was taken is replaced by the backup, for every organization of this Roster. The current store is kept aside in the data folder.`}
        confirmLabel="Restore"
        loading={restore.isPending}
        onCancel={() => setConfirming(false)}
        onConfirm={() => chosen && restore.mutate({ name: chosen })}
      />
    </Paper>
  );
}

/** What a restore wound back that the admin must act on: invitations accepted after the backup (their links no longer work). */
function pendingAgainText(n: number): string {
  if (n === 0) return '';
  return n === 1
    ? '1 invitation accepted after this backup is pending again and its link no longer works: resend it from Members.'
    : `${n.toLocaleString('en-US')} invitations accepted after this backup are pending again and their links no longer work: resend them from Members.`;
}

/** Other pending invitations whose every link the restore spent (used, replaced or revoked after the backup: declined, resent, cancelled…). */
function withoutLinkText(n: number): string {
  if (n === 0) return '';
  return n === 1
    ? '1 other pending invitation has no working link (declined, resent or cancelled after this backup): resend or cancel it from Members.'
    : `${n.toLocaleString('en-US')} other pending invitations have no working link (declined, resent or cancelled after this backup): resend or cancel them from Members.`;
}

/** Daily backups and how many to keep; starts from the saved schedule. */
function ScheduleForm({ initial }: { initial: { daily: boolean; keep: number } }) {
  const trpc = useTRPC();
  const [daily, setDaily] = useState(initial.daily);
  const [keep, setKeep] = useState<number | string>(initial.keep);
  const saveSchedule = useMutation(
    trpc.backup.setSchedule.mutationOptions({
      onSuccess: () => notifications.show({ color: 'green', title: 'Schedule saved', message: 'Backups follow the new schedule.' }),
    }),
  );
  return (
    <>
      <Group align="end">
        <Checkbox label="Back up every day" checked={daily} onChange={(e) => setDaily(e.currentTarget.checked)} />
        <NumberInput label="Keep the newest" suffix=" backups" min={1} max={365} value={keep} onChange={setKeep} w={180} />
        <Button variant="default" loading={saveSchedule.isPending} onClick={() => saveSchedule.mutate({ daily, keep: Number(keep) || 7 })}>Save schedule</Button>
      </Group>
      {saveSchedule.error && <Alert color="red" title="Schedule not saved">{errorMessage(saveSchedule.error)}</Alert>}
    </>
  );
}
