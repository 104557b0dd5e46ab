import { Alert, Button, Group, Paper, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { errorMessage, useTRPC } from '../trpc';
import type { Me } from './Console';

export function AccountsPage({ me }: { me: Me }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const accounts = useQuery(trpc.accounts.list.queryOptions());
  const [name, setName] = useState('');
  const [parent, setParent] = useState<string | null>(null);
  const create = useMutation(
    trpc.accounts.create.mutationOptions({
      onSuccess: (a) => {
        notifications.show({ color: 'green', title: 'Sub-account created', message: a.name });
        setName('');
        void qc.invalidateQueries({ queryKey: trpc.accounts.pathKey() });
      },
    }),
  );
  const depth = (path: string) => path.split(' / ').length - 1;
  const canManage = me.permissions.includes('accounts.manage');
  return (
    <Stack>
      <div>
        <Title order={1} size="h2">Accounts</Title>
        <Text c="dimmed" size="sm">The company account and its sub-accounts.</Text>
      </div>
      <Paper withBorder p="md">
        <Stack gap={6} role="tree" aria-label="Account structure">
          {[...(accounts.data ?? [])].sort((a, b) => a.path.localeCompare(b.path)).map((a) => (
            <Text key={a.id} role="treeitem" size="sm" pl={depth(a.path) * 20} fw={a.parentId === null ? 700 : 400}>
              {a.name}
            </Text>
          ))}
        </Stack>
      </Paper>
      {canManage && (
        <Paper withBorder p="md">
          <form onSubmit={(e) => { e.preventDefault(); create.mutate({ name, parentId: parent ? Number(parent) : undefined }); }}>
            <Group align="flex-end">
              <TextInput label="New sub-account" value={name} onChange={(e) => setName(e.currentTarget.value)} required />
              <Select label="Under" placeholder="Company account" clearable data={(accounts.data ?? []).map((a) => ({ value: String(a.id), label: a.path }))} value={parent} onChange={setParent} />
              <Button type="submit" loading={create.isPending}>Create</Button>
            </Group>
            {create.error && <Alert mt="sm" color="red">{errorMessage(create.error)}</Alert>}
          </form>
        </Paper>
      )}
    </Stack>
  );
}
