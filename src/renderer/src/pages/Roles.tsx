import { Checkbox, Paper, ScrollArea, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../trpc';

export function RolesPage() {
  const trpc = useTRPC();
  const roles = useQuery(trpc.roles.list.queryOptions());
  const catalog = useQuery(trpc.roles.catalog.queryOptions());
  const rows = [...(catalog.data?.console ?? []), ...(catalog.data?.modules ?? [])];
  return (
    <Stack>
      <div>
        <Title order={1} size="h2">Roles & permissions</Title>
        <Text c="dimmed" size="sm">What each role may do in the admin console and in your product modules.</Text>
      </div>
      <Paper withBorder>
        <ScrollArea>
          <Table aria-label="Permission matrix" striped miw={600}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Permission</Table.Th>
                {(roles.data ?? []).map((r) => <Table.Th key={r.id} ta="center">{r.name}</Table.Th>)}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((p) => (
                <Table.Tr key={p.key}>
                  <Table.Td><Text size="sm">{p.label}</Text></Table.Td>
                  {(roles.data ?? []).map((r) => (
                    <Table.Td key={r.id} ta="center">
                      <Checkbox readOnly aria-label={`${r.name}: ${p.label}`} checked={r.permissions.includes(p.key)} style={{ display: 'inline-block' }} />
                    </Table.Td>
                  ))}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollArea>
      </Paper>
    </Stack>
  );
}
