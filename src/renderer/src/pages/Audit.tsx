import { Paper, ScrollArea, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { formatDate } from '../components/labels';
import { useTRPC } from '../trpc';

export function AuditPage() {
  const trpc = useTRPC();
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search, 250);
  const audit = useQuery(trpc.audit.list.queryOptions({ search: debounced || undefined, limit: 200 }));
  return (
    <Stack>
      <div>
        <Title order={1} size="h2">Audit</Title>
        <Text c="dimmed" size="sm">Every change: who did what to whom, and when.</Text>
      </div>
      <TextInput label="Filter" placeholder="Person, action or actor" value={search} onChange={(e) => setSearch(e.currentTarget.value)} w={320} />
      <Paper withBorder>
        <ScrollArea>
          <Table aria-label="Audit log" striped miw={700}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>When</Table.Th>
                <Table.Th>Who</Table.Th>
                <Table.Th>Action</Table.Th>
                <Table.Th>Target</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(audit.data ?? []).map((a) => (
                <Table.Tr key={a.id}>
                  <Table.Td><Text size="sm">{formatDate(a.at)}</Text></Table.Td>
                  <Table.Td><Text size="sm">{a.actor}</Text></Table.Td>
                  <Table.Td><Text size="sm">{a.action}</Text></Table.Td>
                  <Table.Td><Text size="sm">{a.target ?? '—'}</Text></Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollArea>
        {audit.data?.length === 0 && <Text ta="center" c="dimmed" py="xl">No changes match.</Text>}
      </Paper>
    </Stack>
  );
}
