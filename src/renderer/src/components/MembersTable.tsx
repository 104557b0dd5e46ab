import { Button, Checkbox, Group, Stack, Skeleton, Text, Tooltip } from '@mantine/core';
import { createColumnHelper, flexRender, getCoreRowModel, useReactTable } from '@tanstack/react-table';
import { memo, useCallback, useEffect, useLayoutEffect, useRef, useState, type CSSProperties } from 'react';
import type { MemberRow } from '../api-types';
import { DeliveryBadge } from './DeliveryBadge';
import { RowMenu } from './MemberRowMenu';
import { STATUS_COLORS, STATUS_LABELS, formatCount, formatDate, formatDay, formatDayMonth, formatPhone } from './labels';
import { VirtualTable, cellWidth, rowStyle, type RowSlot } from './VirtualTable';

/** Compact rows: one line each, so a 1280×800 screen shows a dozen and more. */
export const MEMBER_ROW_HEIGHT = 36;

interface TableActions {
  isSelected(id: number): boolean;
  toggle(id: number): void;
  open(id: number): void;
  run(action: string, id: number, email: string): void;
  allChecked: boolean;
  someChecked: boolean;
  toggleAll(): void;
}

const column = createColumnHelper<MemberRow>();
const NO_ROWS: MemberRow[] = [];

/**
 * Dates and phone numbers formatted once per value: rows mounted while scrolling repeat the same
 * few values, and Intl and libphonenumber cost more than the rest of a cell.
 */
const formatted = new Map<(v: string | null | undefined) => string, Map<string, string>>();
function cached(format: (v: string | null | undefined) => string, value: string | null | undefined): string {
  if (!value) return format(value);
  let byValue = formatted.get(format);
  if (!byValue) formatted.set(format, (byValue = new Map()));
  let text = byValue.get(value);
  if (text === undefined) {
    if (byValue.size > 5_000) byValue.clear();
    text = format(value);
    byValue.set(value, text);
  }
  return text;
}

// Cells get the page's callbacks through the table's meta: the column definitions stay constant.
const actionsOf = (table: { options: { meta?: unknown } }) => table.options.meta as TableActions;

const COLUMNS = [
  column.display({
    id: 'select',
    size: 44,
    meta: { ownClicks: true },
    header: ({ table }) => {
      const a = actionsOf(table);
      return <Checkbox size="xs" aria-label="Select all shown" checked={a.allChecked} indeterminate={a.someChecked && !a.allChecked} onChange={a.toggleAll} />;
    },
    cell: ({ row, table }) => {
      const a = actionsOf(table);
      const m = row.original;
      // A native box (styled in index.css): a Mantine Checkbox per row cost a good part of a row's mount.
      return <input type="checkbox" className="cell-check" aria-label={`Select ${m.email}`} checked={a.isSelected(m.id)} onChange={() => a.toggle(m.id)} />;
    },
  }),
  column.accessor('email', {
    id: 'person',
    header: 'Person',
    size: 200,
    meta: { grow: true },
    cell: ({ row, table }) => {
      const m = row.original;
      return (
        // A real button too, so the panel opens for anyone who tabs to the name.
        <button
          type="button"
          className="cell-button"
          aria-haspopup="dialog"
          onClick={(e) => {
            e.stopPropagation();
            actionsOf(table).open(m.id);
          }}
        >
          <span className="cell-strong" style={{ flexShrink: 0, maxWidth: m.name ? '60%' : '100%' }}>{m.name || m.email}</span>
          {m.name && <span className="cell-dimmed">{m.email}</span>}
        </button>
      );
    },
  }),
  column.accessor('phone', {
    header: 'Phone',
    size: 160,
    cell: ({ getValue }) => <span className="cell-text">{cached(formatPhone, getValue())}</span>,
  }),
  column.accessor('roles', {
    header: 'Roles',
    // One role chip; more end in an ellipsis (all of them in its title).
    size: 110,
    cell: ({ getValue }) => {
      const roles = getValue();
      return (
        <span className="cell-line" title={roles.map((r) => r.name).join(', ')}>
          {roles.map((role) => <span key={`${role.id}-${role.accountId}`} className="cell-chip">{role.name}</span>)}
        </span>
      );
    },
  }),
  column.accessor('status', {
    header: 'Status',
    // Room for "Pending · until Dec 13 · No server"; the rest goes to the person's name and address.
    size: 270,
    cell: ({ row }) => {
      const m = row.original;
      return (
        <span className="cell-line">
          <span className="cell-status" style={{ '--dot': `var(--mantine-color-${STATUS_COLORS[m.status]}-filled)` } as CSSProperties}>{STATUS_LABELS[m.status]}</span>
          {/* The expiry gives way (ellipsis, full date in its title) before the mail chip does. */}
          {m.status === 'pending' && m.inviteExpiresAt && <span className="cell-dimmed" title={`Valid until ${cached(formatDate, m.inviteExpiresAt)}`}>until {cached(formatDayMonth, m.inviteExpiresAt)}</span>}
          {/* The mail chip where it matters: an invitation on its way, or any mail that failed (with Retry); none (and none of its hooks) without a mail. */}
          {m.delivery && (m.status === 'pending' || m.delivery.status === 'failed') && <DeliveryBadge key={m.id} memberId={m.id} delivery={m.delivery} />}
        </span>
      );
    },
  }),
  column.accessor('invitedAt', {
    header: 'Invited',
    size: 110,
    cell: ({ getValue }) => <span className="cell-text" title={cached(formatDate, getValue())}>{cached(formatDay, getValue())}</span>,
  }),
  column.display({
    id: 'actions',
    size: 52,
    meta: { ownClicks: true },
    header: () => <span className="visually-hidden">Actions</span>,
    cell: ({ row, table }) => {
      const m = row.original;
      if (m.actions.length === 0 && m.refused.length === 0) return null;
      return <RowMenu member={m} onRun={(a) => actionsOf(table).run(a, m.id, m.email)} />;
    },
  }),
];

const stop = (e: { stopPropagation(): void }) => e.stopPropagation();

/**
 * One member's row. Memoised: a tick, a new page or a scroll re-renders only the rows whose own
 * props changed (selected, place, focusability), never the whole list.
 */
const MemberRowView = memo(function MemberRowView({ row, index, start, height, tabIndex, selected, onOpen }: RowSlot<MemberRow> & { selected: boolean; onOpen(id: number): void }) {
  const m = row.original;
  const ref = useRef<HTMLTableRowElement>(null);
  // The element is reused for another member as rows scroll by (VirtualTable's recycle): a focus left
  // in it (a checkbox, the row) would now be on someone else, so it goes, as when a row unmounts.
  const shown = useRef(m.id);
  useLayoutEffect(() => {
    if (shown.current === m.id) return;
    shown.current = m.id;
    const focused = document.activeElement;
    if (focused instanceof HTMLElement && ref.current?.contains(focused)) focused.blur();
  }, [m.id]);
  return (
    <tr
      ref={ref}
      role="row"
      aria-label={m.email}
      aria-rowindex={index + 2}
      data-index={index}
      data-status={m.status}
      data-member-id={m.id}
      data-selected={selected || undefined}
      className="virtual-row clickable-row"
      tabIndex={tabIndex}
      onClick={() => onOpen(m.id)}
      style={rowStyle(start, height)}
    >
      {row.getVisibleCells().map((cell) => (
        <td key={cell.id} role="cell" className="virtual-cell" data-col={cell.column.id} style={cellWidth(cell.column)} onClick={cell.column.columnDef.meta?.ownClicks ? stop : undefined}>
          {flexRender(cell.column.columnDef.cell, cell.getContext())}
        </td>
      ))}
    </tr>
  );
}, sameRow);

/** A page added to the list makes new TanStack rows for old members: compare the member itself. */
function sameRow(a: RowSlot<MemberRow> & { selected: boolean; onOpen(id: number): void }, b: RowSlot<MemberRow> & { selected: boolean; onOpen(id: number): void }): boolean {
  return a.row.original === b.row.original && a.index === b.index && a.start === b.start && a.height === b.height && a.tabIndex === b.tabIndex && a.selected === b.selected && a.onOpen === b.onOpen;
}

interface MembersTableProps {
  rows: MemberRow[];
  /** Members matching the current view when the server knows it (status tab counts); else undefined. */
  total: number | undefined;
  loading: boolean;
  refreshing: boolean;
  hasMore: boolean;
  loadingMore: boolean;
  onLoadMore(): void;
  /** Rows before the first loaded one (pages dropped while scrolling on), fetched again on the way back. */
  offset: number;
  hasPrevious: boolean;
  loadingPrevious: boolean;
  onLoadPrevious(firstIndex: number): void;
  /** Any call for the list in flight: pages are asked one at a time (a next page would cancel a previous one). */
  fetching: boolean;
  selected: ReadonlySet<number>;
  /** Every member matching the view is selected (on the server), loaded or not. */
  allMatching: boolean;
  onToggle(id: number): void;
  onToggleAll(): void;
  onOpen(id: number): void;
  onRun(action: string, id: number, email: string): void;
  empty: { title: string; hint: string } | null;
  /** The tab, search, filters and sort: a new one brings the list back to its first rows. */
  viewKey?: string;
  /** Bring the list's first or last rows (a new window of pages; the last page needs `total`). */
  onJump(where: 'first' | 'last'): void;
}

/** The members as a virtual table: only the rows in view are in the page, whatever the total. */
export const MembersTable = memo(function MembersTable({ rows, total, loading, refreshing, hasMore, loadingMore, onLoadMore, offset, hasPrevious, loadingPrevious, onLoadPrevious, fetching, selected, allMatching, onToggle, onToggleAll, onOpen, onRun, empty, viewKey, onJump }: MembersTableProps) {
  const allChecked = allMatching || (rows.length > 0 && selected.size >= rows.length && rows.every((r) => selected.has(r.id)));
  // The table instance is stable and its meta is read when a cell acts, so rows may be memoised.
  // No rows in the table itself: VirtualTable makes TanStack rows only for the members in view, so a
  // page arriving does not rebuild a row for every loaded member.
  // oxlint-disable-next-line react/incompatible-library
  const table = useReactTable<MemberRow>({
    data: NO_ROWS,
    columns: COLUMNS,
    getCoreRowModel: getCoreRowModel(),
    getRowId: (m) => String(m.id),
    meta: { isSelected: (id: number) => allMatching || selected.has(id), toggle: onToggle, open: onOpen, run: onRun, allChecked, someChecked: allMatching || selected.size > 0, toggleAll: onToggleAll } satisfies TableActions,
  });
  // The range lives in its own small component: scrolling re-renders "1–13 of 1,004", not the table.
  const rangeSink = useRef<RangeSink | null>(null);
  const onRangeChange = useCallback((first: number, last: number) => rangeSink.current?.(first, last), []);
  const registerRange = useCallback((sink: RangeSink | null) => {
    rangeSink.current = sink;
  }, []);
  const openMember = useCallback((m: MemberRow) => onOpen(m.id), [onOpen]);
  // Home/End and the "Go to" buttons: the window moves (member-pages.ts), then the table scrolls there.
  const [goTo, setGoTo] = useState<{ where: 'first' | 'last'; focus: boolean; n: number }>();
  const onGoTo = useCallback(
    (where: 'first' | 'last', focus: boolean) => {
      setGoTo((g) => ({ where, focus, n: (g?.n ?? 0) + 1 }));
      onJump(where);
    },
    [onJump],
  );
  // The last page is placed at the total minus its rows: until the matches are counted it cannot be.
  const endUnknown = total === undefined && hasMore;
  // The loaded rows' phone numbers formatted while the browser is idle, before they scroll into view:
  // libphonenumber takes about 0.1 ms a number, a few ms of the frame that mounts a new screenful.
  useEffect(() => {
    if (typeof requestIdleCallback !== 'function') return;
    let next = 0;
    let handle = 0;
    const work = (deadline: IdleDeadline) => {
      // A few ms at a time: an idle period may last 50 ms, and a click arriving then would wait for it.
      const until = performance.now() + 4;
      while (next < rows.length && deadline.timeRemaining() > 1 && performance.now() < until) cached(formatPhone, rows[next++]!.phone);
      if (next < rows.length) handle = requestIdleCallback(work);
    };
    handle = requestIdleCallback(work);
    return () => cancelIdleCallback(handle);
  }, [rows]);
  const renderRow = useCallback(
    (slot: RowSlot<MemberRow>) => <MemberRowView key={slot.slotKey} {...slot} selected={allMatching || selected.has(slot.row.original.id)} onOpen={onOpen} />,
    [allMatching, selected, onOpen],
  );

  return (
    <Stack gap={4} style={{ flex: 1, minHeight: 0 }}>
      <Group justify="space-between" gap="xs" px={2} mt={-4}>
        <Group gap="xs">
          <RangeText register={registerRange} loaded={offset + rows.length} total={total} hasMore={hasMore} />
          {(refreshing || loadingMore || loadingPrevious) && <Text size="xs" c="dimmed" role="status">Loading…</Text>}
        </Group>
        {rows.length > 0 && (
          <Group gap={4}>
            <Tooltip label="Home key on a row">
              <Button size="compact-xs" variant="subtle" onClick={() => onGoTo('first', false)}>
                Go to first row
              </Button>
            </Tooltip>
            {/* A disabled button gets no pointer events: the tooltip saying why sits on a wrapper. */}
            <Tooltip label={endUnknown ? 'Counting the matching members first…' : 'End key on a row'}>
              <span>
                <Button size="compact-xs" variant="subtle" disabled={endUnknown} aria-description={endUnknown ? 'Counting the matching members first' : undefined} onClick={() => onGoTo('last', false)}>
                  Go to last row
                </Button>
              </span>
            </Tooltip>
          </Group>
        )}
      </Group>
      {/* members-table-box: narrower than the columns, the table drops Phone and narrows Person and Status (index.css). */}
      <div className="members-table-box" style={{ flex: 1, minHeight: 0, border: '1px solid var(--mantine-color-default-border)', borderRadius: 'var(--mantine-radius-md)', display: 'flex', flexDirection: 'column' }}>
        <VirtualTable
          table={table}
          data={rows}
          headerKey={`${allChecked} ${allMatching || selected.size > 0}`}
          label="Members"
          rowHeight={MEMBER_ROW_HEIGHT}
          totalRows={total ?? (hasMore ? undefined : offset + rows.length)}
          hasMore={hasMore}
          loadingMore={loadingMore || fetching}
          onLoadMore={onLoadMore}
          offset={offset}
          hasPrevious={hasPrevious}
          loadingPrevious={loadingPrevious || fetching}
          onLoadPrevious={onLoadPrevious}
          onOpenRow={openMember}
          onRangeChange={onRangeChange}
          onGoTo={onGoTo}
          goTo={goTo}
          stale={refreshing}
          renderRow={renderRow}
          recycle
          viewKey={viewKey}
          minWidth={980}
          style={{ flex: 1, minHeight: 0 }}
        >
          {loading && (
            <Stack gap="xs" p="md" aria-label="Loading members">
              {[0, 1, 2, 3, 4].map((i) => <Skeleton key={i} height={24} radius="sm" />)}
            </Stack>
          )}
          {!loading && rows.length === 0 && empty && (
            <Stack align="center" gap={4} py={48}>
              <Text fw={600}>{empty.title}</Text>
              <Text size="sm" c="dimmed">{empty.hint}</Text>
            </Stack>
          )}
        </VirtualTable>
      </div>
    </Stack>
  );
});

type RangeSink = (first: number, last: number) => void;

function RangeText({ register, loaded, total, hasMore }: { register(sink: RangeSink | null): void; loaded: number; total: number | undefined; hasMore: boolean }) {
  const [range, setRange] = useState<[number, number]>([0, -1]);
  useLayoutEffect(() => {
    register((first, last) => setRange((r) => (r[0] === first && r[1] === last ? r : [first, last])));
    return () => register(null);
  }, [register]);
  return (
    <Text size="xs" c="dimmed" data-testid="members-range">
      {rangeText(loaded, range, total, hasMore)}
    </Text>
  );
}

/** "1–13 of 1,004" where the total is known; otherwise only what is known: "50 shown, more as you scroll". */
function rangeText(loaded: number, [first, last]: [number, number], total: number | undefined, hasMore: boolean): string {
  if (loaded === 0) return '';
  const shown = last >= first ? `${formatCount(first + 1)}–${formatCount(Math.min(last, loaded - 1) + 1)}` : `1–${formatCount(loaded)}`;
  if (total !== undefined) return `${shown} of ${formatCount(total)}`;
  if (!hasMore) return `${shown} of ${formatCount(loaded)} matching`;
  return `${shown} · ${formatCount(loaded)} shown, more as you scroll`;
}

