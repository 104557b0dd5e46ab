import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { useCallback, useRef, useState } from 'react';
import type { MemberPage, MembersListInput } from '../api-types';
import { useTRPC, useTRPCClient } from '../trpc';

/**
 * The members list as a sliding window of keyset pages: at most PAGES_KEPT pages are loaded, whatever
 * the length of the list, so memory and DOM stay flat from 1,000 to 1,000,000 members. Pages left
 * behind are dropped (TanStack Query's maxPages) and fetched again from their remembered start cursor
 * when the admin scrolls back; a jump far back (the scrollbar dragged up) starts a new window at the
 * page in view instead of walking back page by page.
 */

export const PAGE_SIZE = 50;
/** 500 rows: several screens either side of the one in view. */
export const PAGES_KEPT = 10;

type Cursor = NonNullable<MembersListInput['cursor']>;
interface PageParam {
  /** The page's place in the list (0 for the first page). */
  index: number;
  cursor: Cursor | null;
}
/** A page as loaded, with the view it answers (placeholder rows of another view are shown from the top). */
type WindowPage = MemberPage & { view: string };

export type ListQuery = Omit<MembersListInput, 'cursor' | 'limit'>;

export function useMemberWindow(query: ListQuery, view: string) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  // Where each page seen in a view starts (page index → cursor): the way back to a dropped page. The
  // last few views are kept (an answer for the previous search may still arrive).
  const starts = useRef(new Map<string, (Cursor | null)[]>());
  const cursorsOf = useCallback((v: string) => {
    const all = starts.current;
    let cursors = all.get(v);
    if (!cursors) {
      if (all.size >= 4) all.delete(all.keys().next().value!);
      all.set(v, (cursors = [null]));
    }
    return cursors;
  }, []);
  // The page the window started at (0 until the admin jumps back far into dropped pages).
  // Each jump is a new query (numbered: a jump back to the first page is one too).
  const [anchor, setAnchor] = useState<{ view: string; jump: number } & PageParam>({ view, jump: 0, index: 0, cursor: null });
  const start: PageParam = anchor.view === view ? { index: anchor.index, cursor: anchor.cursor } : { index: 0, cursor: null };
  const jump = anchor.view === view ? anchor.jump : 0;
  const input = { ...query, limit: PAGE_SIZE };

  const list = useInfiniteQuery({
    queryKey: [...trpc.members.list.infiniteQueryKey(input), { from: start.index, jump }],
    queryFn: async ({ pageParam, signal }): Promise<WindowPage> => {
      // The signal cancels a search overtaken by the next keystroke (its query lost its observer).
      const page = await client.members.list.query({ ...input, cursor: pageParam.cursor }, { signal });
      if (page.nextCursor) cursorsOf(view)[pageParam.index + 1] = page.nextCursor;
      return { ...page, view };
    },
    initialPageParam: start,
    getNextPageParam: (last, _all, lastParam): PageParam | undefined => (last.nextCursor ? { index: lastParam.index + 1, cursor: last.nextCursor } : undefined),
    getPreviousPageParam: (_first, _all, firstParam): PageParam | undefined => {
      if (firstParam.index === 0) return undefined;
      const cursor = cursorsOf(view)[firstParam.index - 1];
      return cursor === undefined ? undefined : { index: firstParam.index - 1, cursor };
    },
    maxPages: PAGES_KEPT,
    // A window left behind is forgotten: coming back to a list starts at its first page.
    gcTime: 0,
    // The previous rows stay on screen while the next search, tab or window loads.
    placeholderData: keepPreviousData,
  });

  const first = list.data?.pageParams[0] as PageParam | undefined;
  // Rows before the first loaded one (dropped pages): the table keeps their place. Placeholder rows
  // of another view (the previous search) are shown from the top.
  const offset = first && list.data?.pages[0]?.view === view ? first.index * PAGE_SIZE : 0;

  const { fetchNextPage, fetchPreviousPage, hasPreviousPage } = list;
  const loadMore = useCallback(() => void fetchNextPage(), [fetchNextPage]);
  /** The first row in view is `firstIndex`, before or near the first loaded one. */
  const loadPrevious = useCallback(
    (firstIndex: number) => {
      const page = Math.floor(firstIndex / PAGE_SIZE);
      const firstLoaded = offset / PAGE_SIZE;
      if (page >= firstLoaded - 1) {
        if (hasPreviousPage) void fetchPreviousPage();
        return;
      }
      // Far back: a new window at the page in view (its start cursor was remembered on the way down).
      const cursors = cursorsOf(view);
      let index = page;
      while (index > 0 && cursors[index] === undefined) index--;
      setAnchor((a) => ({ view, jump: (a.view === view ? a.jump : 0) + 1, index, cursor: cursors[index] ?? null }));
    },
    [offset, hasPreviousPage, fetchPreviousPage, cursorsOf, view],
  );
  return { list, offset, loadMore, loadPrevious };
}
