import { Alert, Badge, Button, Group, Select, Skeleton, Stack, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { createColumnHelper, flexRender, getCoreRowModel, useReactTable } from '@tanstack/react-table';
import Papa from 'papaparse';
import { memo, useCallback, useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { csvFile } from '../../../shared/csv-export';
import { AUDIT_ACTIONS, formatDate } from '../components/labels';
import { VirtualTable, cellStyle, rowStyle, type RowSlot } from '../components/VirtualTable';
import type { AuditEntry } from '../api-types';
import { errorMessage, useTRPC, useTRPCClient } from '../trpc';


/** Rows per call when exporting (the router's maximum) and when scrolling. */
const PAGE = 1000;
const SCREEN_PAGE = 100;
const ROW_HEIGHT = 38;

/** Actions written since labels.ts was last extended. */
const MORE_ACTIONS: Record<string, string> = { 'member.export_links': 'Invitation links exported' };
const ACTIONS: Record<string, string> = { ...AUDIT_ACTIONS, ...MORE_ACTIONS };

function actionLabel(action: string): string {
  return ACTIONS[action] ?? action;
}

function show(v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  if (Array.isArray(v)) return v.length > 8 ? `${v.slice(0, 8).map(show).join(', ')}… (${v.length})` : v.map(show).join(', ') || '—';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function parse(json: string | null): Record<string, unknown> {
  if (!json) return {};
  try {
    const v: unknown = JSON.parse(json);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : { value: v };
  } catch {
    return { value: json };
  }
}

/** What changed, field by field: "status: pending → cancelled; roles: Member → Admin". */
export function changeText(before: string | null, after: string | null): string {
  const b = parse(before);
  const a = parse(after);
  const parts: string[] = [];
  for (const key of new Set([...Object.keys(b), ...Object.keys(a)])) {
    if (JSON.stringify(b[key]) === JSON.stringify(a[key])) continue;
    if (!(key in b)) parts.push(`${key}: ${show(a[key])}`);
    else parts.push(`${key}: ${show(b[key])} → ${show(a[key])}`);
  }
  return parts.join('; ');
}

const column = createColumnHelper<AuditEntry>();
const COLUMNS = [
  column.accessor('at', { header: 'When', size: 170, cell: ({ getValue }) => <Text size="sm" style={{ whiteSpace: 'nowrap' }}>{formatDate(getValue())}</Text> }),
  column.accessor('actor', { header: 'Who', size: 190, cell: ({ getValue }) => <Text size="sm" truncate>{getValue()}</Text> }),
  column.accessor('action', {
    header: 'Action',
    size: 200,
    cell: ({ getValue }) => {
      const action = getValue();
      return <Badge variant="light" color={action.endsWith('delete') || action.endsWith('deactivate') ? 'red' : 'blue'} style={{ textTransform: 'none' }}>{actionLabel(action)}</Badge>;
    },
  }),
  column.accessor('target', { header: 'Target', size: 200, cell: ({ getValue }) => <Text size="sm" truncate>{getValue() ?? '—'}</Text> }),
  column.display({
    id: 'change',
    header: 'Before → after',
    size: 260,
    meta: { grow: true },
    cell: ({ row }) => {
      const text = changeText(row.original.before, row.original.after);
      return <Text size="xs" truncate title={text} ff="monospace">{text || '—'}</Text>;
    },
  }),
];

const AuditRowView = memo(function AuditRowView({ row, index, start, height, tabIndex }: RowSlot<AuditEntry>) {
  return (
    <tr role="row" aria-rowindex={index + 2} data-index={index} className="virtual-row" tabIndex={tabIndex} style={rowStyle(start, height)}>
      {row.getVisibleCells().map((cell) => (
        <td key={cell.id} role="cell" style={{ ...cellStyle(cell.column), paddingBlock: 0, paddingInline: 'var(--table-horizontal-spacing, var(--mantine-spacing-xs))' }}>
          {flexRender(cell.column.columnDef.cell, cell.getContext())}
        </td>
      ))}
    </tr>
  );
});

const renderAuditRow = (slot: RowSlot<AuditEntry>) => <AuditRowView key={slot.row.id} {...slot} />;

export function AuditPage() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  // The search and the action filter are part of the address (#/audit?q=…&action=…).
  const [params, setParams] = useSearchParams();
  const committedSearch = params.get('q') ?? '';
  const action = params.get('action');
  const [search, setSearch] = useState(committedSearch);
  const [seen, setSeen] = useState(committedSearch);
  if (seen !== committedSearch) {
    setSeen(committedSearch);
    setSearch(committedSearch);
  }
  const [debounced] = useDebouncedValue(search, 100);
  const setParam = useCallback(
    (key: string, value: string | null, replace: boolean) =>
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          if (value) next.set(key, value);
          else next.delete(key);
          return next;
        },
        { replace },
      ),
    [setParams],
  );
  useEffect(() => {
    if (debounced !== committedSearch) setParam('q', debounced || null, committedSearch !== '');
    // Only the typed text drives this; the address catching up must not write it back.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [debounced]);
  const [exporting, setExporting] = useState(false);
  const from = params.get('from');
  const to = params.get('to');
  const actor = params.get('who');
  const target = params.get('target');
  // The export takes exactly these filters: it holds what the screen shows.
  const filter = {
    search: committedSearch || undefined,
    action: action ?? undefined,
    actor: actor || undefined,
    target: target || undefined,
    from: dayStart(from),
    to: dayStart(to, 1),
  };
  // Keyset pages through the whole log (newest first), fetched as the admin scrolls.
  const audit = useInfiniteQuery({
    queryKey: [...trpc.audit.list.queryKey(filter), 'pages'],
    queryFn: ({ pageParam }) => client.audit.list.query({ ...filter, beforeId: pageParam, limit: SCREEN_PAGE }),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last) => (last.length === SCREEN_PAGE ? last[last.length - 1]!.id : undefined),
    placeholderData: keepPreviousData,
  });
  const rows = useMemo(() => audit.data?.pages.flat() ?? [], [audit.data]);
  const table = useReactTable({ data: rows, columns: COLUMNS, getCoreRowModel: getCoreRowModel(), getRowId: (r) => String(r.id) });
  const { fetchNextPage } = audit;
  const loadMore = useCallback(() => void fetchNextPage(), [fetchNextPage]);

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
      const csv = csvFile(Papa.unparse({
        fields: ['id', 'at', 'actor', 'action', 'description', 'target_type', 'target_id', 'target', 'change', 'before', 'after'],
        data: rows.map((r) => [r.id, r.at, r.actor, r.action, actionLabel(r.action), r.targetType ?? '', r.targetId ?? '', r.target ?? '', changeText(r.before, r.after), r.before ?? '', r.after ?? '']),
      }, { escapeFormulae: true }));
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
    <Stack gap="sm" h="calc(100dvh - var(--app-shell-header-offset, 56px) - 2 * var(--app-shell-padding, 20px))" mih={480}>
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={1} size="h2">Audit</Title>
          <Text c="dimmed" size="sm">Every change: who did what to whom, and when.</Text>
        </div>
        <Button variant="default" loading={exporting} onClick={() => void exportCsv()}>Export CSV</Button>
      </Group>
      <Group gap="sm" align="flex-end" wrap="wrap">
        <TextInput size="xs" label="Search" placeholder="Person, action or actor" value={search} onChange={(e) => setSearch(e.currentTarget.value)} w={220} />
        <Select size="xs" label="Action" placeholder="Any action" clearable searchable data={Object.entries(ACTIONS).map(([value, label]) => ({ value, label }))} value={action} onChange={(v) => setParam('action', v, false)} w={220} />
        <ParamText label="Who" placeholder="Address of who acted" value={actor ?? ''} onCommit={(v) => setParam('who', v || null, true)} />
        <ParamText label="Target" placeholder="Member, role or account" value={target ?? ''} onCommit={(v) => setParam('target', v || null, true)} />
        <TextInput size="xs" type="date" label="From" value={from ?? ''} max={to ?? undefined} onChange={(e) => setParam('from', e.currentTarget.value || null, true)} w={140} />
        <TextInput size="xs" type="date" label="To" value={to ?? ''} min={from ?? undefined} onChange={(e) => setParam('to', e.currentTarget.value || null, true)} w={140} />
        <Text size="xs" c="dimmed" ml="auto">
          {rows.length === 0 ? '' : audit.hasNextPage ? `${rows.length.toLocaleString()} shown, more as you scroll` : `${rows.length.toLocaleString()} ${rows.length === 1 ? 'change' : 'changes'}`}
        </Text>
      </Group>
      {audit.error && <Alert color="red" title="Could not load the audit log">{errorMessage(audit.error)}</Alert>}
      <div style={{ flex: 1, minHeight: 0, display: 'flex', flexDirection: 'column', border: '1px solid var(--mantine-color-default-border)', borderRadius: 'var(--mantine-radius-md)' }}>
        <VirtualTable
          table={table}
          label="Audit log"
          rowHeight={ROW_HEIGHT}
          totalRows={audit.hasNextPage ? undefined : rows.length}
          hasMore={!!audit.hasNextPage && !audit.isPlaceholderData}
          loadingMore={audit.isFetchingNextPage}
          onLoadMore={loadMore}
          renderRow={renderAuditRow}
          minWidth={1020}
          style={{ flex: 1, minHeight: 0 }}
        >
          {audit.isLoading && (
            <Stack gap="xs" p="md">
              {[0, 1, 2, 3].map((i) => <Skeleton key={i} height={24} radius="sm" />)}
            </Stack>
          )}
          {!audit.isLoading && !audit.error && rows.length === 0 && (
            <Stack align="center" gap={4} py={48}>
              <Text fw={600}>No changes match</Text>
              <Text size="sm" c="dimmed">Try another search, action, person or dates.</Text>
            </Stack>
          )}
        </VirtualTable>
      </div>
    </Stack>
  );
}

/** A local day ("2026-12-05") as the instant it starts, optionally some days later; undefined when empty. */
function dayStart(day: string | null, plusDays = 0): string | undefined {
  if (!day || !/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const d = new Date(`${day}T00:00`);
  if (Number.isNaN(d.getTime())) return undefined;
  d.setDate(d.getDate() + plusDays);
  return d.toISOString();
}

/** A filter field that keeps its own text and writes the address after a short pause. */
function ParamText({ label, placeholder, value, onCommit }: { label: string; placeholder: string; value: string; onCommit(v: string): void }) {
  const [text, setText] = useState(value);
  const [seen, setSeen] = useState(value);
  if (seen !== value) {
    setSeen(value);
    setText(value);
  }
  const [debounced] = useDebouncedValue(text, 150);
  useEffect(() => {
    if (debounced.trim() !== value) onCommit(debounced.trim());
    // Only the typed text drives this; the address catching up must not write it back.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [debounced]);
  return <TextInput size="xs" label={label} placeholder={placeholder} value={text} onChange={(e) => setText(e.currentTarget.value)} w={190} />;
}
