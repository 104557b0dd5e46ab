import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { useCallback, useRef, useState } from 'react';
import type { MemberPage, MembersListInput } from '../api-types';
import { useTRPC, useTRPCClient } from '../trpc';

/**
 * The members list as a sliding window of keyset pages: at most PAGES_KEPT pages are loaded, whatever
 * the length of the list, so memory and DOM stay flat from 1,000 to 1,000,000 members. Pages left
 * behind are dropped (TanStack Query's maxPages) and fetched again as the admin scrolls back: before
 * the first loaded row by a backward keyset page (the server's `direction: 'backward'` from the first
 * row's cursor), after the last by a forward one. The window may start anywhere: at the first row, at
 * the last page (End, "Go to last row": one backward page from the end, placed at total − its rows),
 * or for a jump far back (the scrollbar dragged up) at the nearest page seen before.
 */

export const PAGE_SIZE = 50;
/** 500 rows: several screens either side of the one in view. */
export const PAGES_KEPT = 10;

type Cursor = NonNullable<MembersListInput['cursor']>;
interface PageParam {
  /** Forward: the page's first row's place in the list (0 for the first page); backward: the place just after its last row. */
  at: number;
  cursor: Cursor | null;
  backward: boolean;
}
/** A page as loaded, with the view it answers (placeholder rows of another view are shown from the top) and the place of its first row. */
type WindowPage = MemberPage & { view: string; start: number };

export type ListQuery = Omit<MembersListInput, 'cursor' | 'limit' | 'direction'>;

const FIRST: PageParam = { at: 0, cursor: null, backward: false };

export function useMemberWindow(query: ListQuery, view: string) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  // The pages seen in a view (their first row's place → how to ask for them again): where a jump far
  // back starts. The last few views are kept (an answer for the previous search may still arrive).
  const seen = useRef(new Map<string, Map<number, PageParam>>());
  const anchorsOf = useCallback((v: string) => {
    const all = seen.current;
    let anchors = all.get(v);
    if (!anchors) {
      if (all.size >= 4) all.delete(all.keys().next().value!);
      all.set(v, (anchors = new Map([[0, FIRST]])));
    }
    return anchors;
  }, []);
  // The page the window started at (the first until the admin jumps). Each jump is a new query
  // (numbered: a jump back to the first page is one too).
  const [anchor, setAnchor] = useState<{ view: string; jump: number; param: PageParam }>({ view, jump: 0, param: FIRST });
  // Another view (tab, search, sort) starts at its first page, and so does coming back to this one.
  if (anchor.view !== view) setAnchor({ view, jump: 0, param: FIRST });
  const start = anchor.view === view ? anchor.param : FIRST;
  const jump = anchor.view === view ? anchor.jump : 0;
  const input = { ...query, limit: PAGE_SIZE };

  const list = useInfiniteQuery({
    queryKey: [...trpc.members.list.infiniteQueryKey(input), { from: start.at, backward: start.backward, jump }],
    queryFn: async ({ pageParam, signal }): Promise<WindowPage> => {
      // The signal cancels a search overtaken by the next keystroke (its query lost its observer).
      const page = await client.members.list.query({ ...input, cursor: pageParam.cursor, direction: pageParam.backward ? 'backward' : 'forward' }, { signal });
      // Backward, the page ends where it was asked; nothing before it means it starts the list (a
      // count that moved on since the jump does not misplace the first rows).
      const first = pageParam.backward ? (page.prevCursor ? Math.max(0, pageParam.at - page.items.length) : 0) : pageParam.at;
      if (page.items.length > 0) anchorsOf(view).set(first, pageParam);
      return { ...page, view, start: first };
    },
    initialPageParam: start,
    getNextPageParam: (last): PageParam | undefined => (last.nextCursor ? { at: last.start + last.items.length, cursor: last.nextCursor, backward: false } : undefined),
    getPreviousPageParam: (first): PageParam | undefined => (first.prevCursor ? { at: first.start, cursor: first.prevCursor, backward: true } : undefined),
    maxPages: PAGES_KEPT,
    // A window left behind is forgotten: coming back to a list starts at its first page.
    gcTime: 0,
    // The previous rows stay on screen while the next search, tab or window loads.
    placeholderData: keepPreviousData,
  });

  const firstPage = list.data?.pages[0];
  // Rows before the first loaded one (dropped pages, or the list above a jump to its end): the table
  // keeps their place. Placeholder rows of another view (the previous search) are shown from the top.
  const offset = firstPage && firstPage.view === view ? firstPage.start : 0;

  const { fetchNextPage, fetchPreviousPage, hasPreviousPage, hasNextPage } = list;
  const loadMore = useCallback(() => void fetchNextPage(), [fetchNextPage]);
  /** The first row in view is `firstIndex`, before or near the first loaded one. */
  const loadPrevious = useCallback(
    (firstIndex: number) => {
      // Far back (the scrollbar dragged up past several dropped pages): a new window at the nearest
      // page seen at or before the row in view, when that is closer than walking back page by page.
      let best = -1;
      for (const at of anchorsOf(view).keys()) if (at <= firstIndex && at > best) best = at;
      if (best >= 0 && best < offset - 2 * PAGE_SIZE && firstIndex - best < offset - firstIndex) {
        const param = anchorsOf(view).get(best)!;
        setAnchor((a) => ({ view, jump: (a.view === view ? a.jump : 0) + 1, param }));
        return;
      }
      if (hasPreviousPage) void fetchPreviousPage();
    },
    [offset, hasPreviousPage, fetchPreviousPage, anchorsOf, view],
  );
  /**
   * The first or the last rows in one step (Home, End, "Go to first/last row"): a new window at the
   * list's first page, or at its last page placed at `total` minus its rows. Nothing to ask when the
   * window already holds them.
   */
  const jumpTo = useCallback(
    (where: 'first' | 'last', total: number | undefined) => {
      if (where === 'first' ? offset === 0 && !!firstPage : !hasNextPage && !!firstPage) return;
      if (where === 'last' && total === undefined) return;
      const param: PageParam = where === 'first' ? FIRST : { at: total!, cursor: null, backward: true };
      setAnchor((a) => ({ view, jump: (a.view === view ? a.jump : 0) + 1, param }));
    },
    [offset, firstPage, hasNextPage, view],
  );
  return { list, offset, loadMore, loadPrevious, jumpTo };
}
