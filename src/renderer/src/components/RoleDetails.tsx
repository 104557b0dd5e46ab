import { Alert, Badge, Button, Group, Loader, Modal, Paper, Stack, Table, Text, Textarea, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { STATUS_LABELS, type MemberStatus } from '../../../shared/statuses';
import type { RoleRow } from '../api-types';
import { errorMessage, useTRPC } from '../trpc';
import { SyncState } from './SyncState';

const MAX_DESCRIPTION = 500;

/**
 * Below the matrix: each role with what it is for (editable by who manages roles) and who holds it,
 * where (organization-wide or in a sub-account).
 */
export function RoleDetails(props: { roles: RoleRow[]; canManage: boolean; canViewMembers: boolean }) {
  const [editing, setEditing] = useState<RoleRow | null>(null);
  return (
    <Stack gap="sm">
      <div>
        <Title order={2} size="h3">Roles</Title>
        <Text c="dimmed" size="sm">What each role is for, and who holds it.</Text>
      </div>
      {props.roles.map((r) => (
        <RoleCard key={r.id} role={r} canManage={props.canManage} canViewMembers={props.canViewMembers} onEdit={() => setEditing(r)} />
      ))}
      <DescriptionModal role={editing} onClose={() => setEditing(null)} />
    </Stack>
  );
}

function RoleCard(props: { role: RoleRow; canManage: boolean; canViewMembers: boolean; onEdit(): void }) {
  const r = props.role;
  const [open, setOpen] = useState(false);
  const titleId = `role-${r.id}-title`;
  const listId = `role-${r.id}-members`;
  const count = `${r.members} member${r.members === 1 ? '' : 's'}`;
  return (
    <Paper withBorder p="md" component="section" aria-labelledby={titleId}>
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <Stack gap={4}>
          <Group gap="xs">
            <Title order={3} size="h4" id={titleId}>{r.name}</Title>
            {r.builtin && <Badge variant="light" color="gray" size="sm">Built-in</Badge>}
          </Group>
          <Text size="sm" c={r.description ? undefined : 'dimmed'} style={{ whiteSpace: 'pre-wrap' }}>
            {r.description || 'No description yet.'}
          </Text>
        </Stack>
        {props.canManage && (
          <Button variant="default" size="xs" aria-label={`Edit the description of ${r.name}`} onClick={props.onEdit} style={{ flexShrink: 0 }}>
            Edit description
          </Button>
        )}
      </Group>
      <Group mt="sm" gap="xs">
        {r.members === 0 ? (
          <Text size="sm" c="dimmed">No member holds {r.name} yet: give it from a member&apos;s side panel or when inviting.</Text>
        ) : props.canViewMembers ? (
          <Button variant="subtle" size="compact-sm" aria-expanded={open} aria-controls={open ? listId : undefined} onClick={() => setOpen((o) => !o)}>
            {open ? `Hide the ${count}` : `Show the ${count}`}
          </Button>
        ) : (
          <Text size="sm" c="dimmed">{count} (you do not view members, so their names are not shown)</Text>
        )}
      </Group>
      {open && <RoleHolders id={listId} role={r} />}
      <SyncState localType="role" localId={r.id} label={r.name} title={`Sync of the group “Roster ${r.name}”`} mt="sm" />
    </Paper>
  );
}

function RoleHolders(props: { id: string; role: RoleRow }) {
  const trpc = useTRPC();
  const holders = useQuery(trpc.roles.members.queryOptions({ id: props.role.id }));
  if (holders.isPending)
    return (
      <Group id={props.id} gap="xs" mt="xs">
        <Loader size="xs" />
        <Text size="sm">Loading the members holding {props.role.name}…</Text>
      </Group>
    );
  if (holders.error) return <Alert id={props.id} color="red" mt="xs">{errorMessage(holders.error)}</Alert>;
  const { members, total } = holders.data;
  if (members.length === 0)
    return <Text id={props.id} size="sm" c="dimmed" mt="xs">None of the members holding {props.role.name} is in an account where you view members.</Text>;
  return (
    <Stack id={props.id} gap={4} mt="xs">
      <Table aria-label={`Members holding ${props.role.name}`} withTableBorder striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>Email</Table.Th>
            <Table.Th>Where</Table.Th>
            <Table.Th>Status</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {members.map((m) => (
            <Table.Tr key={`${m.memberId}-${m.accountId}`}>
              <Table.Td>{m.name ?? <Text span c="dimmed" size="sm">No name</Text>}</Table.Td>
              <Table.Td>{m.email}</Table.Td>
              <Table.Td>{m.where}</Table.Td>
              <Table.Td>{STATUS_LABELS[m.status as MemberStatus] ?? m.status}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {total > members.length && <Text size="xs" c="dimmed">Showing the first {members.length} of {total.toLocaleString('en-US')}.</Text>}
    </Stack>
  );
}

function DescriptionModal(props: { role: RoleRow | null; onClose(): void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [text, setText] = useState('');
  const [forId, setForId] = useState<number | null>(null);
  // A new role opened: start from its current description.
  if (props.role && forId !== props.role.id) {
    setForId(props.role.id);
    setText(props.role.description);
  }
  const describe = useMutation(
    trpc.roles.describe.mutationOptions({
      onSuccess: () => {
        notifications.show({ color: 'green', title: 'Description saved', message: props.role?.name ?? '' });
        void qc.invalidateQueries({ queryKey: trpc.roles.pathKey() });
        setForId(null);
        props.onClose();
      },
    }),
  );
  const close = () => {
    setForId(null);
    describe.reset();
    props.onClose();
  };
  const r = props.role;
  return (
    <Modal opened={r !== null} onClose={close} title={r ? `Description of ${r.name}` : ''}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (r) describe.mutate({ id: r.id, description: text, version: r.version });
        }}
      >
        <Stack>
          <Textarea
            label="Description"
            description={`What the role is for, in a sentence or two (${text.length}/${MAX_DESCRIPTION} characters).`}
            value={text}
            onChange={(e) => setText(e.currentTarget.value)}
            maxLength={MAX_DESCRIPTION}
            autosize
            minRows={3}
            data-autofocus
          />
          {describe.error && <Alert color="red">{errorMessage(describe.error)}</Alert>}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>Cancel</Button>
            <Button type="submit" loading={describe.isPending}>Save description</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
