import { Alert, Badge, Button, Group, Paper, ScrollArea, Select, Skeleton, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useQuery } from '@tanstack/react-query';
import Papa from 'papaparse';
import { useState } from 'react';
import { AUDIT_ACTIONS, formatDate } from '../components/labels';
import type { AuditEntry } from '../api-types';
import { errorMessage, useTRPC, useTRPCClient } from '../trpc';


const PAGE = 1000;

function actionLabel(action: string): string {
  return AUDIT_ACTIONS[action] ?? action;
}

export function AuditPage() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const [search, setSearch] = useState('');
  const [action, setAction] = useState<string | null>(null);
  const [exporting, setExporting] = useState(false);
  const [debounced] = useDebouncedValue(search, 250);
  const filter = { search: debounced || undefined, action: action ?? undefined };
  const audit = useQuery(trpc.audit.list.queryOptions({ ...filter, limit: 200 }));

  /** Every row matching the filter, page by page, as CSV (papaparse) downloaded through a Blob link. */
  const exportCsv = async () => {
    setExporting(true);
    try {
      const rows: AuditEntry[] = [];
      let beforeId: number | undefined;
      for (;;) {
        const page = await client.audit.list.query({ ...filter, beforeId, limit: PAGE });
        rows.push(...page);
        if (page.length < PAGE) break;
        beforeId = page[page.length - 1]!.id;
      }
      const csv = Papa.unparse({
        fields: ['id', 'at', 'actor', 'action', 'description', 'target_type', 'target_id', 'target', 'before', 'after'],
        data: rows.map((r) => [r.id, r.at, r.actor, r.action, actionLabel(r.action), r.targetType ?? '', r.targetId ?? '', r.target ?? '', r.before ?? '', r.after ?? '']),
      }, { escapeFormulae: true });
      const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `roster-audit-${new Date().toISOString().slice(0, 10)}.csv`;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 0);
      notifications.show({ color: 'green', title: 'Audit exported', message: `${rows.length} change${rows.length === 1 ? '' : 's'} saved as CSV.` });
    } catch (e) {
      notifications.show({ color: 'red', title: 'Export failed', message: errorMessage(e) });
    } finally {
      setExporting(false);
    }
  };

  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={1} size="h2">Audit</Title>
          <Text c="dimmed" size="sm">Every change: who did what to whom, and when.</Text>
        </div>
        <Button variant="default" loading={exporting} onClick={() => void exportCsv()}>Export CSV</Button>
      </Group>
      <Group gap="sm" align="flex-end">
        <TextInput label="Search" placeholder="Person, action or actor" value={search} onChange={(e) => setSearch(e.currentTarget.value)} w={300} />
        <Select label="Action" placeholder="Any action" clearable searchable data={Object.entries(AUDIT_ACTIONS).map(([value, label]) => ({ value, label }))} value={action} onChange={setAction} w={240} />
      </Group>
      {audit.error && <Alert color="red" title="Could not load the audit log">{errorMessage(audit.error)}</Alert>}
      <Paper withBorder radius="md">
        <ScrollArea>
          <Table aria-label="Audit log" striped highlightOnHover miw={760} verticalSpacing="sm">
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
                  <Table.Td><Badge variant="light" color={a.action.endsWith('delete') || a.action.endsWith('deactivate') ? 'red' : 'blue'} style={{ textTransform: 'none' }}>{actionLabel(a.action)}</Badge></Table.Td>
                  <Table.Td><Text size="sm">{a.target ?? '—'}</Text></Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollArea>
        {audit.isLoading && (
          <Stack gap="xs" p="md">
            {[0, 1, 2, 3].map((i) => <Skeleton key={i} height={24} radius="sm" />)}
          </Stack>
        )}
        {audit.data?.length === 0 && (
          <Stack align="center" gap={4} py={48}>
            <Text fw={600}>No changes match</Text>
            <Text size="sm" c="dimmed">Try another search or action.</Text>
          </Stack>
        )}
      </Paper>
    </Stack>
  );
}
