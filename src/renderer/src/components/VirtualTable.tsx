import { Table as MantineTable } from '@mantine/core';
import { createRow, flexRender, type Column, type Row, type Table } from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useLayoutEffect, useRef, useState, type CSSProperties, type KeyboardEvent, type ReactNode } from 'react';

declare module '@tanstack/react-table' {
  // oxlint-disable-next-line no-unused-vars -- the generics must match TanStack's declaration to merge
  interface ColumnMeta<TData, TValue> {
    /** This column takes the width left over by the fixed ones. */
    grow?: boolean;
    /** Clicks in this cell (a checkbox, a menu) are the cell's own: they do not open the row. */
    ownClicks?: boolean;
  }
}

/** A cell's width: fixed from the column's size, or growing from it for the one flexible column. */
export function cellStyle<T>(column: Column<T, unknown>): CSSProperties {
  const size = column.getSize();
  return column.columnDef.meta?.grow
    ? { flex: `1 0 ${size}px`, minWidth: size, display: 'flex', alignItems: 'center', overflow: 'hidden' }
    : { flex: `0 0 ${size}px`, width: size, display: 'flex', alignItems: 'center', overflow: 'hidden' };
}

/**
 * A body cell's width, made once per column: the rest of its look is the `virtual-cell` class, so a
 * row mounted while scrolling sets two inline style properties per cell instead of seven.
 */
const widths = new WeakMap<object, CSSProperties>();
export function cellWidth<T>(column: Column<T, unknown>): CSSProperties {
  let style = widths.get(column.columnDef);
  if (!style) {
    const size = column.getSize();
    style = column.columnDef.meta?.grow ? { flex: `1 0 ${size}px`, minWidth: size } : { flex: `0 0 ${size}px`, width: size };
    widths.set(column.columnDef, style);
  }
  return style;
}

/** Unloaded rows the scroll track holds before the loaded ones, at most (see `base`), and after the base moves. */
const MAX_GAP = 10_000;
const GAP = 1_000;

/** A row not loaded yet (a page dropped while scrolling on, fetched again as it comes into view). */
const PLACEHOLDER: CSSProperties = { height: 12, width: '40%', borderRadius: 4, background: 'var(--mantine-color-default-hover)' };

export interface RowSlot<T> {
  row: Row<T>;
  /** The row's place in the whole list (0 is the first row). */
  index: number;
  /** Where the row sits in the scrolled body, in pixels. */
  start: number;
  height: number;
  /** Only the active row is in the tab order; arrow keys move between rows (roving tabindex). */
  tabIndex: 0 | -1;
  /**
   * The React key to give the row: the item's id, or with `recycle` the row element it reuses
   * ("slot-3"), so a row scrolled out of view becomes the one scrolled in.
   */
  slotKey: string;
}

/** The row's place in the scrolled body: rows are laid out by the virtualizer, not by the table (the rest is the `virtual-row` class). */
export function rowStyle(start: number, height: number): CSSProperties {
  return { height, transform: `translateY(${start}px)` };
}

interface VirtualTableProps<T> {
  table: Table<T>;
  /**
   * The loaded items, when the table is given none (`data: []`): TanStack rows are then made only for
   * the items in view and kept per item, instead of the whole row model being rebuilt as each page
   * arrives. Needs `getRowId` in the table's options.
   */
  data?: readonly T[];
  /** Changes when the header must render again (e.g. the select-all box's state); without it, it renders each time. */
  headerKey?: string;
  label: string;
  rowHeight: number;
  /** Rows in the whole list when known (aria-rowcount); undefined while only the loaded part is known. */
  totalRows?: number;
  hasMore: boolean;
  loadingMore: boolean;
  onLoadMore(): void;
  /** Rows before the first of `table`'s rows that are not loaded (dropped pages): shown as placeholders. */
  offset?: number;
  hasPrevious?: boolean;
  loadingPrevious?: boolean;
  /** The first row in view (`firstIndex`) is before or near the first loaded one: load what leads to it. */
  onLoadPrevious?(firstIndex: number): void;
  /** Enter on a focused row. */
  onOpenRow?(row: T): void;
  /** Rows in view changed: for "1–13 of 1,004" (places in the whole list). */
  onRangeChange?(first: number, last: number): void;
  /**
   * Home/Ctrl+Home or End/Ctrl+End on a row whose list's first or last rows are not loaded: the owner
   * brings them (a new window of pages) and passes `goTo` on.
   */
  onGoTo?(where: 'first' | 'last', focus: boolean): void;
  /** Scroll to the list's first or last row (and focus it) once it is loaded; `n` numbers each request. */
  goTo?: { where: 'first' | 'last'; focus: boolean; n: number };
  /** The rows shown are kept from before while the next window or view loads: a `goTo` waits for it. */
  stale?: boolean;
  renderRow(slot: RowSlot<T>): ReactNode;
  /**
   * Reuse row elements while scrolling (keys are slots, not items): a row leaving the view is given
   * the item entering it, so React changes its texts and attributes instead of removing one row and
   * building another (elements, style, layout). Rows stay in the DOM in slot order, laid out by their
   * `translateY` and numbered by aria-rowindex (as AG Grid does); a row must reset its own state when
   * its item changes.
   */
  recycle?: boolean;
  /** What the rows answer (search, tab, filters, sort): when it changes, the list goes back to its first row. */
  viewKey?: string;
  /** Shown under the header when there are no rows (loading skeleton, empty state). */
  children?: ReactNode;
  minWidth: number;
  style?: CSSProperties;
}

/**
 * A table whose DOM holds only the rows in view plus a few either side (TanStack Virtual), whatever
 * the length of the list, with a sticky header (TanStack Table's headers) and the next keyset page
 * asked for as the admin nears the end. It keeps table semantics (role table/row/cell, aria-rowcount
 * and aria-rowindex) so screen readers and tests find rows by name.
 */
export function VirtualTable<T>({ table, data, headerKey, label, rowHeight, totalRows, hasMore, loadingMore, onLoadMore, offset = 0, hasPrevious = false, loadingPrevious = false, onLoadPrevious, onOpenRow, onRangeChange, onGoTo, goTo, stale = false, renderRow, recycle = false, viewKey, children, minWidth, style }: VirtualTableProps<T>) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const bodyRef = useRef<HTMLTableSectionElement>(null);
  const modelRows = data ? null : table.getRowModel().rows;
  const made = useRef(new WeakMap<object, Row<T>>());
  const loaded = data ? data.length : modelRows!.length;
  const [active, setActive] = useState(0);
  // The scroll track covers the loaded rows and at most MAX_GAP unloaded rows before them (shown as
  // placeholders, loaded as they come into view), from `base` on: a window at the end of a million
  // rows would otherwise be 36 million pixels down, past what Chromium lays out (2^25 px). Virtual
  // item v is the list's row base + v. When the window moves before `base`, or too far past it, the
  // base moves and the scroll position with it, so the rows in view stay in place.
  const [baseState, setBase] = useState(0);
  // Moved in this very render (the state follows): a render with the old base would hand the
  // virtualizer a count of a million rows, whose layout it would compute (a long task at 1,000,000).
  const base = offset < baseState || offset - baseState > MAX_GAP ? Math.max(0, offset - GAP) : baseState;
  if (base !== baseState) setBase(base);
  const end = offset + loaded;
  const count = Math.max(0, end - base);
  const rowAt = (index: number): Row<T> | undefined => {
    if (index < offset) return undefined;
    if (!data) return modelRows![index - offset];
    const item = data[index - offset];
    if (item === undefined) return undefined;
    let row = made.current.get(item as object);
    if (!row) {
      row = createRow(table, table.options.getRowId!(item, index, undefined), item, index, 0);
      made.current.set(item as object, row);
    }
    return row;
  };
  // The virtualizer re-renders this component on scroll by design; rows below are memoised instead.
  // oxlint-disable-next-line react/incompatible-library
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    // Rows either side of the view: each costs its mount on a fast scroll, which renders a whole new screenful.
    overscan: 3,
    // Items keyed by index (the default): a getItemKey made each render made the virtualizer lay out
    // every loaded row again on each scroll (its measurements depend on the key function), and rows
    // have one fixed height, so nothing is measured by key. React keys rows by member below.
    // Scroll events schedule a render instead of forcing one inside the event: quick scrolls coalesce.
    useFlushSync: false,
  });
  const shownBase = useRef(base);
  useLayoutEffect(() => {
    const moved = shownBase.current - base;
    shownBase.current = base;
    if (moved !== 0 && scrollRef.current) scrollRef.current.scrollTop += moved * rowHeight;
  }, [base, rowHeight]);
  const items = virtualizer.getVirtualItems();
  // Slots: as many as the most rows rendered at once (a contiguous range of at most that many
  // indexes has distinct slots, index modulo the count); the rows are rendered in slot order, so
  // React never moves a row element, it only gives it another item.
  const [slotCount, setSlotCount] = useState(0);
  if (recycle && items.length > slotCount) setSlotCount(items.length);
  const slots = Math.max(slotCount, items.length, 1);
  const ordered = recycle ? [...items].sort((a, b) => (a.index % slots) - (b.index % slots)) : items;
  const lastIndex = items[items.length - 1]?.index ?? -1;
  const firstIndex = base + (items[0]?.index ?? 0);
  const range = virtualizer.range;
  const first = base + (range?.startIndex ?? 0);
  const last = range ? base + range.endIndex : -1;
  // A jump on its way (Home, End, "Go to last row"): until its rows are loaded and scrolled into
  // view, the rows in view are the old place's and must not ask for pages (or a window) of their own.
  const doneGoTo = useRef(0);
  const landing = useRef<number | null>(null);
  const jumping = (!!goTo && goTo.n !== doneGoTo.current) || (landing.current !== null && (landing.current < first || landing.current > last));
  useEffect(() => {
    if (landing.current !== null && landing.current >= first && landing.current <= last) landing.current = null;
  });
  // Ask for the next keyset page a screenful before the end, so scrolling rarely waits; the same
  // for a dropped page before the first loaded row on the way back.
  useEffect(() => {
    if (!jumping && hasMore && !loadingMore && lastIndex >= count - 20) onLoadMore();
  }, [jumping, hasMore, loadingMore, lastIndex, count, onLoadMore]);
  useEffect(() => {
    if (!jumping && hasPrevious && !loadingPrevious && offset > 0 && firstIndex < offset + 20) onLoadPrevious?.(firstIndex);
  }, [jumping, hasPrevious, loadingPrevious, firstIndex, offset, onLoadPrevious]);
  useEffect(() => onRangeChange?.(first, last), [first, last, onRangeChange]);
  const activeIndex = Math.min(active, Math.max(end - 1, 0));
  // A new search or filter shows its first rows: back to the top, and the first row is the one Tab reaches.
  const [seenKey, setSeenKey] = useState(viewKey);
  if (seenKey !== viewKey) {
    setSeenKey(viewKey);
    setActive(0);
  }
  useEffect(() => {
    if (scrollRef.current) scrollRef.current.scrollTop = 0;
  }, [viewKey]);

  const focusRow = (index: number, focus = true, align: 'auto' | 'start' | 'end' = 'auto') => {
    const target = Math.max(base, Math.min(end - 1, index));
    setActive(target);
    virtualizer.scrollToIndex(target - base, { align });
    if (!focus) return;
    // The row may mount only after the scroll: focus it on the next frames.
    const tryFocus = (attempt: number) => {
      const el = bodyRef.current?.querySelector<HTMLElement>(`[data-index="${target}"]`);
      if (el) el.focus({ preventScroll: false });
      else if (attempt < 5) requestAnimationFrame(() => tryFocus(attempt + 1));
    };
    requestAnimationFrame(() => tryFocus(0));
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTableSectionElement>) => {
    const rowEl = e.target instanceof HTMLElement ? e.target : null;
    // Only keys pressed on the row itself: a checkbox or menu inside keeps its own keys.
    if (!rowEl || rowEl.getAttribute('role') !== 'row' || !rowEl.dataset.index) return;
    const index = Number(rowEl.dataset.index);
    const step = { ArrowDown: 1, ArrowUp: -1, PageDown: 10, PageUp: -10 }[e.key];
    if (step !== undefined) {
      e.preventDefault();
      focusRow(index + step);
    } else if (e.key === 'Home' || e.key === 'End') {
      // Home/End (and with Ctrl, as in a spreadsheet): the list's first or last row, loaded or not.
      e.preventDefault();
      // A table without onGoTo goes to its first or last loaded row.
      if (e.key === 'Home') {
        if (offset === 0 || !onGoTo) focusRow(0);
        else onGoTo('first', true);
      } else if (!hasMore || !onGoTo) focusRow(end - 1);
      else onGoTo('last', true);
    } else if (e.key === 'Enter' && onOpenRow) {
      e.preventDefault();
      const row = rowAt(index);
      if (row) onOpenRow(row.original);
    }
  };

  // A jump asked for (Home, End, "Go to last row"): done once its rows are in.
  useEffect(() => {
    if (!goTo || goTo.n === doneGoTo.current || loaded === 0 || stale) return;
    if (goTo.where === 'first' ? offset !== 0 : hasMore) return;
    doneGoTo.current = goTo.n;
    landing.current = goTo.where === 'first' ? 0 : end - 1;
    focusRow(landing.current, goTo.focus, goTo.where === 'first' ? 'start' : 'end');
  });

  return (
    // contain: what changes inside the scroller as rows come and go is laid out without the page around it.
    <div ref={scrollRef} style={{ overflow: 'auto', position: 'relative', contain: 'strict', ...style }} data-testid={`${label}-scroller`}>
      <MantineTable
        role="table"
        aria-label={label}
        aria-rowcount={totalRows !== undefined ? totalRows + 1 : -1}
        highlightOnHover
        style={{ display: 'grid', minWidth }}
      >
        {headerKey === undefined ? <Header table={table as Table<unknown>} /> : <MemoHeader table={table as Table<unknown>} headerKey={headerKey} />}
        <tbody
          ref={bodyRef}
          role="rowgroup"
          onKeyDown={onKeyDown}
          onFocus={(e) => {
            const index = e.target.getAttribute('role') === 'row' ? e.target.dataset.index : undefined;
            if (index !== undefined) setActive(Number(index));
          }}
          style={{ display: 'grid', position: 'relative', height: virtualizer.getTotalSize() }}
        >
          {ordered.map((item) => {
            const index = base + item.index;
            const row = rowAt(index);
            if (!row) return <tr key={recycle ? `slot-${item.index % slots}` : `gap-${index}`} role="row" aria-rowindex={index + 2} aria-busy="true" className="virtual-row" style={rowStyle(item.start, item.size)}><td role="cell" style={{ flex: 1, display: 'flex', alignItems: 'center' }}><div style={PLACEHOLDER} /></td></tr>;
            return renderRow({ row, index, start: item.start, height: item.size, tabIndex: index === activeIndex ? 0 : -1, slotKey: recycle ? `slot-${item.index % slots}` : row.id });
          })}
        </tbody>
      </MantineTable>
      {children}
    </div>
  );
}

/** The sticky header: its own component, so scrolling (which re-renders the body) leaves it alone. */
function Header({ table }: { table: Table<unknown>; headerKey?: string }) {
  return (
    <MantineTable.Thead role="rowgroup" style={{ display: 'grid', position: 'sticky', top: 0, zIndex: 2, background: 'var(--mantine-color-body)' }}>
      {table.getHeaderGroups().map((group) => (
        <MantineTable.Tr key={group.id} role="row" aria-rowindex={1} style={{ display: 'flex', width: '100%' }}>
          {group.headers.map((header) => (
            <MantineTable.Th key={header.id} role="columnheader" data-col={header.column.id} style={{ ...cellStyle(header.column), height: 36 }}>
              {header.isPlaceholder ? null : flexRender(header.column.columnDef.header, header.getContext())}
            </MantineTable.Th>
          ))}
        </MantineTable.Tr>
      ))}
    </MantineTable.Thead>
  );
}

const MemoHeader = memo(Header);
