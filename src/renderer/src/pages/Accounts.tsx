import { ActionIcon, Alert, Button, Group, Menu, Modal, Paper, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { errorMessage, useTRPC } from '../trpc';
import type { AccountRow } from '../api-types';
import { useMe } from '../me';


type Dialog = { kind: 'rename' | 'move' | 'delete'; account: AccountRow } | null;

export function AccountsPage() {
  const me = useMe();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const accounts = useQuery(trpc.accounts.list.queryOptions());
  const roles = useQuery(trpc.roles.list.queryOptions());
  const [name, setName] = useState('');
  const [parent, setParent] = useState<string | null>(null);
  const [leadEmail, setLeadEmail] = useState('');
  const [leadRole, setLeadRole] = useState<string | null>(null);
  const [leadError, setLeadError] = useState<string | null>(null);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [value, setValue] = useState('');
  const [target, setTarget] = useState<string | null>(null);
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: trpc.accounts.pathKey() });
    void qc.invalidateQueries({ queryKey: trpc.members.pathKey() });
  };
  const done = (title: string, message = '') => {
    notifications.show({ color: 'green', title, message });
    setDialog(null);
    refresh();
  };
  const create = useMutation(
    trpc.accounts.create.mutationOptions({
      onSuccess: (a) => {
        notifications.show({ color: 'green', title: 'Sub-account created', message: a.invited ? `${a.name}; ${a.invited.email} invited` : a.name });
        setName('');
        setLeadEmail('');
        refresh();
      },
    }),
  );
  const rename = useMutation(trpc.accounts.rename.mutationOptions({ onSuccess: (a) => done('Sub-account renamed', a.name) }));
  const move = useMutation(trpc.accounts.move.mutationOptions({ onSuccess: () => done('Sub-account moved') }));
  const remove = useMutation(trpc.accounts.delete.mutationOptions({ onSuccess: () => done('Sub-account deleted') }));
  const active = dialog?.kind === 'rename' ? rename : dialog?.kind === 'move' ? move : remove;

  const list = [...(accounts.data ?? [])].sort((a, b) => a.path.localeCompare(b.path));
  const depth = (path: string) => path.split(' / ').length - 1;
  const canManage = me.permissions.includes('accounts.manage');
  const options = (exclude?: AccountRow) =>
    list.filter((a) => !exclude || (a.id !== exclude.id && !a.path.startsWith(`${exclude.path} / `))).map((a) => ({ value: String(a.id), label: a.path }));
  const open = (kind: 'rename' | 'move' | 'delete', account: AccountRow) => {
    setValue(account.name);
    setTarget(null);
    setDialog({ kind, account });
  };

  return (
    <Stack>
      <div>
        <Title order={1} size="h2">Accounts</Title>
        <Text c="dimmed" size="sm">The company account and its sub-accounts.</Text>
      </div>
      <Paper withBorder p="md">
        <Stack gap={6} role="list" aria-label="Account structure">
          {list.map((a) => (
            <Group key={a.id} role="listitem" aria-label={a.name} pl={depth(a.path) * 20} gap="xs" wrap="nowrap">
              <Text size="sm" fw={a.parentId === null ? 700 : 400}>{a.name}</Text>
              <Text size="xs" c="dimmed">{a.members} member{a.members === 1 ? '' : 's'}</Text>
              {canManage && (
                <Menu position="bottom-start" withinPortal>
                  <Menu.Target>
                    <ActionIcon variant="subtle" size="sm" aria-label={`Actions for ${a.name}`}>⋯</ActionIcon>
                  </Menu.Target>
                  <Menu.Dropdown>
                    <Menu.Item onClick={() => open('rename', a)}>Rename</Menu.Item>
                    {a.parentId !== null && <Menu.Item onClick={() => open('move', a)}>Move</Menu.Item>}
                    {a.parentId !== null && <Menu.Item color="red" onClick={() => open('delete', a)}>Delete</Menu.Item>}
                  </Menu.Dropdown>
                </Menu>
              )}
            </Group>
          ))}
        </Stack>
      </Paper>
      {canManage && (
        <Paper withBorder p="md">
          <form
            onSubmit={(e) => {
              e.preventDefault();
              // Mantine's Select is read-only to the browser, so "required" is checked here.
              if (leadEmail.trim() && !leadRole) return setLeadError('Choose their role there.');
              setLeadError(null);
              create.mutate({
                name,
                parentId: parent ? Number(parent) : undefined,
                inCharge: leadEmail.trim() && leadRole ? { email: leadEmail.trim(), roleId: Number(leadRole) } : undefined,
              });
            }}
          >
            <Stack gap="sm">
              <Group align="flex-end">
                <TextInput label="New sub-account" value={name} onChange={(e) => setName(e.currentTarget.value)} required />
                <Select label="Under" placeholder="Company account" clearable data={options()} value={parent} onChange={setParent} />
              </Group>
              <Group align="flex-end">
                <TextInput label="Invite the person in charge (optional)" placeholder="email@example.com" value={leadEmail} onChange={(e) => setLeadEmail(e.currentTarget.value)} />
                <Select label="Their role there" placeholder="Choose a role" data={(roles.data ?? []).filter((r) => r.builtin !== 'owner').map((r) => ({ value: String(r.id), label: r.name }))} value={leadRole} onChange={(v) => { setLeadRole(v); setLeadError(null); }} required={leadEmail.trim() !== ''} error={leadError} />
                <Button type="submit" loading={create.isPending}>Create</Button>
              </Group>
              {create.error && <Alert color="red">{errorMessage(create.error)}</Alert>}
            </Stack>
          </form>
        </Paper>
      )}

      <Modal
        opened={dialog !== null}
        onClose={() => setDialog(null)}
        title={dialog ? `${dialog.kind === 'rename' ? 'Rename' : dialog.kind === 'move' ? 'Move' : 'Delete'} ${dialog.account.name}` : ''}
      >
        {dialog && (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              const id = dialog.account.id;
              if (dialog.kind === 'rename') rename.mutate({ id, name: value });
              else if (dialog.kind === 'move' && target) move.mutate({ id, parentId: Number(target) });
              else if (dialog.kind === 'delete') remove.mutate({ id, moveMembersTo: target ? Number(target) : undefined });
            }}
          >
            <Stack>
              {dialog.kind === 'rename' && <TextInput label="Name" value={value} onChange={(e) => setValue(e.currentTarget.value)} required data-autofocus />}
              {dialog.kind === 'move' && <Select label="New parent" data={options(dialog.account)} value={target} onChange={setTarget} required />}
              {dialog.kind === 'delete' && (
                <>
                  <Text size="sm">
                    {dialog.account.members > 0
                      ? `${dialog.account.members} member${dialog.account.members === 1 ? ' depends' : 's depend'} on this sub-account: choose where their access moves. Roles and permissions granted at ${dialog.account.name} are removed; anyone left without a role keeps the Member role.`
                      : 'No member depends on this sub-account.'}
                  </Text>
                  {dialog.account.members > 0 && <Select label="Move members to" data={options(dialog.account)} value={target} onChange={setTarget} required />}
                </>
              )}
              {active.error && <Alert color="red">{errorMessage(active.error)}</Alert>}
              <Group justify="flex-end">
                <Button variant="default" onClick={() => setDialog(null)}>Cancel</Button>
                <Button
                  type="submit"
                  color={dialog.kind === 'delete' ? 'red' : undefined}
                  loading={active.isPending}
                  disabled={(dialog.kind === 'move' && !target) || (dialog.kind === 'delete' && dialog.account.members > 0 && !target)}
                >
                  {dialog.kind === 'rename' ? 'Rename' : dialog.kind === 'move' ? 'Move' : 'Delete sub-account'}
                </Button>
              </Group>
            </Stack>
          </form>
        )}
      </Modal>
    </Stack>
  );
}
