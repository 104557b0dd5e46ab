import { Alert, Button, Group, Stack, Text } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { memo, useCallback, useDeferredValue, useMemo, useRef, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { LISTED_STATUSES, type MemberStatus } from '../../../shared/statuses';
import type { MemberSort } from '../api-types';
import { BulkBar, RoleChangeModal, useBulkRunner, type Selection } from '../components/BulkActions';
import { ConfirmModal } from '../components/ConfirmModal';
import { membersFocusTarget, useFocusLanding } from '../components/focus-landing';
import { InviteModal } from '../components/InviteModal';
import { MemberPanel } from '../components/MemberPanel';
import { MembersTable } from '../components/MembersTable';
import { useMemberWindow } from '../components/member-pages';
import { ACTION_LABELS, DESTRUCTIVE, STATUS_LABELS, formatCount } from '../components/labels';
import { MembersToolbar, SORTS, useLatest, type Patch } from '../components/MembersToolbar';
import { useMe } from '../me';
import { errorMessage, useTRPC } from '../trpc';

type RowAction = 'resend' | 'reinvite' | 'cancel' | 'deactivate' | 'reactivate' | 'delete' | 'passwordReset';

// The page renders again as each keyset page arrives while the admin scrolls: the closed dialogs and
// drawer below get stable props and render only when their own props change.
const InviteDialog = memo(InviteModal);
const Panel = memo(MemberPanel);
const RoleDialog = memo(RoleChangeModal);
const Confirm = memo(ConfirmModal);
const NO_ROLES: never[] = [];
/** How long a search or filter stays unchanged before its matches are counted. */
const COUNT_SETTLE_MS = 400;

/**
 * The members screen's state lives in its address (`#/members?status=pending&q=dan&member=12`):
 * reload keeps it, Back and Forward walk it, and it can be bookmarked or shared.
 */
function useMembersAddress() {
  const [params] = useSearchParams();
  const statusParam = params.get('status');
  const status: MemberStatus | 'all' = (LISTED_STATUSES as readonly string[]).includes(statusParam ?? '') ? (statusParam as MemberStatus) : 'all';
  const sortParam = params.get('sort');
  const sort: MemberSort = SORTS.some((s) => s.value === sortParam) ? (sortParam as MemberSort) : 'invited_at';
  const memberParam = Number(params.get('member'));
  const view = {
    status,
    q: params.get('q') ?? '',
    roleId: params.get('role'),
    accountId: params.get('account'),
    sort,
    memberId: Number.isInteger(memberParam) && memberParam > 0 ? memberParam : null,
  };
  const navigate = useNavigate();
  const update = useCallback(
    (patch: Patch, replace = false) => {
      // From the address as it is now, not as last rendered: a navigation still rendering (a tab just
      // clicked, while keystrokes render first) must not be undone by the search following it into the address.
      const hash = window.location.hash;
      const next = new URLSearchParams(hash.includes('?') ? hash.slice(hash.indexOf('?')) : '');
      for (const [key, value] of Object.entries(patch)) {
        if (value === null || value === '') next.delete(key);
        else next.set(key, value);
      }
      void navigate({ search: `?${next.toString()}` }, { replace });
    },
    [navigate],
  );
  return { view, update };
}

/**
 * The search as typed: the list asks for it at each keystroke (the call a newer keystroke overtakes is
 * cancelled), while the address follows once typing pauses (MembersToolbar's SearchBox), so a
 * keystroke renders the field and the rows, not the whole console a navigation would.
 */
function useLiveSearch(q: string, update: (patch: Patch, replace?: boolean) => void) {
  const [live, setLive] = useState<string | null>(null);
  const [seenQ, setSeenQ] = useState(q);
  const [committedQ, setCommittedQ] = useState(q);
  // The address changed elsewhere (Back, a link, a reload): it wins over what was typed.
  if (q !== seenQ) {
    setSeenQ(q);
    if (q !== committedQ) {
      setCommittedQ(q);
      setLive(null);
    }
  }
  const onCommit = useCallback(
    (text: string, replace: boolean) => {
      setCommittedQ(text);
      update({ q: text || null }, replace);
    },
    [update],
  );
  return { search: (live ?? q).trim(), onType: setLive, onCommit };
}

export function MembersPage() {
  const me = useMe();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const { view, update } = useMembersAddress();
  const { status, q, roleId, accountId, sort, memberId: panelId } = view;
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set<number>());
  // "Select all N matching": every member the tab, search and filters select, resolved on the server.
  const [allMatching, setAllMatching] = useState(false);
  const [roleFor, setRoleFor] = useState<{ id: number; email: string } | null>(null);
  const [inviteOpen, setInviteOpen] = useState(false);
  const [confirm, setConfirm] = useState<{ action: RowAction; ids: number[]; label: string } | null>(null);

  const counts = useQuery(trpc.members.counts.queryOptions());
  const roles = useQuery(trpc.roles.list.queryOptions());
  const accounts = useQuery(trpc.accounts.list.queryOptions());
  const { search, onType, onCommit } = useLiveSearch(q, update);
  const input = {
    status: status === 'all' ? undefined : status,
    search: search || undefined,
    roleId: roleId ? Number(roleId) : undefined,
    accountId: accountId ? Number(accountId) : undefined,
    sort,
    order: (sort === 'name' || sort === 'email' ? 'asc' : 'desc') as 'asc' | 'desc',
  };
  // A selection belongs to the rows it was made on: a new tab, search, filter or sort starts afresh.
  const filterKey = JSON.stringify([status, search, roleId, accountId, sort]);
  const [selectionKey, setSelectionKey] = useState(filterKey);
  if (selectionKey !== filterKey) {
    setSelectionKey(filterKey);
    setSelected(new Set<number>());
    setAllMatching(false);
  }
  const filterInput = { status: input.status, search: input.search, roleId: input.roleId, accountId: input.accountId };
  const filtered = !!(search || roleId || accountId);
  // Status counts are kept by triggers; with a search or filter the server counts the matches.
  // A window of pages around the rows in view (member-pages.ts): memory stays flat however far the admin scrolls.
  const { list, offset, loadMore, loadPrevious, jumpTo } = useMemberWindow(input, filterKey);
  // Asked once the rows are in: tRPC batches calls made together, and the rows should not wait for a count.
  // And once the search has settled: a count per keystroke would be thrown away at the next one, and counting a
  // common fragment's matches costs 100–480 ms at a million members (in the read worker on SQLite, off the
  // requests' path; on PostgreSQL's pool).
  const filterJson = JSON.stringify(filterInput);
  const [settledFilter] = useDebouncedValue(filterJson, COUNT_SETTLE_MS);
  const matching = useQuery(trpc.members.countMatching.queryOptions(filterInput, { enabled: filtered && settledFilter === filterJson && list.isSuccess && !list.isPlaceholderData }));
  const rows = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);
  const total = Object.values(counts.data ?? {}).reduce((a, b) => a + b, 0);
  const knownTotal = filtered ? matching.data?.count : status === 'all' ? (counts.data ? total : undefined) : counts.data?.[status];

  const openPanel = useCallback((id: number) => update({ member: String(id) }), [update]);
  const latestTotal = useLatest(knownTotal);
  const jump = useCallback((where: 'first' | 'last') => jumpTo(where, latestTotal.current), [jumpTo, latestTotal]);
  const closePanel = useCallback(() => update({ member: null }), [update]);

  // The last refresh's refetch: an action's focus lands once the list shows its result.
  const refreshed = useRef<Promise<unknown>>(Promise.resolve());
  const refresh = () => {
    setSelected(new Set<number>());
    setAllMatching(false);
    refreshed.current = Promise.all([qc.invalidateQueries({ queryKey: trpc.members.pathKey() }), qc.invalidateQueries({ queryKey: trpc.audit.pathKey() })]);
  };
  const focusLanding = useFocusLanding();
  const latestPanelId = useLatest(panelId);
  const land = useCallback(
    (memberId: number | null, action: Promise<unknown>) => focusLanding(() => membersFocusTarget(memberId, latestPanelId.current !== null), action.then(() => refreshed.current)),
    [focusLanding, latestPanelId],
  );
  const done = (verb: string) => (r: { changed: number }) => {
    notifications.show({ color: 'green', title: 'Done', message: `${verb}: ${r.changed} member${r.changed === 1 ? '' : 's'}.` });
    refresh();
  };
  // Without a mail server a reactivation or reset link is made but waits: say so, and what to do.
  const mailStatus = useQuery(trpc.mail.status.queryOptions());
  const linkSent = (what: string, meanwhile: string) => (r: { changed: number }) => {
    if (mailStatus.data && !mailStatus.data.configured) {
      notifications.show({ color: 'yellow', title: `${what} waiting for a mail server`, message: `${r.changed} member${r.changed === 1 ? '' : 's'}: no mail server is set, so nothing was emailed. ${meanwhile}` });
      refresh();
    } else done(`${what} sent`)(r);
  };
  const fail = (e: unknown) => notifications.show({ color: 'red', title: 'Nothing was changed', message: errorMessage(e) });
  const mutations = {
    resend: useMutation(trpc.members.resend.mutationOptions({ onSuccess: done('Invitation resent'), onError: fail })),
    reinvite: useMutation(trpc.members.reinvite.mutationOptions({ onSuccess: done('Invited again'), onError: fail })),
    cancel: useMutation(trpc.members.cancel.mutationOptions({ onSuccess: done('Invitation cancelled'), onError: fail })),
    deactivate: useMutation(trpc.members.deactivate.mutationOptions({ onSuccess: done('Deactivated'), onError: fail })),
    reactivate: useMutation(trpc.members.reactivate.mutationOptions({ onSuccess: linkSent('Reactivation link', "Copy the link from the member's menu and hand it over yourself."), onError: fail })),
    delete: useMutation(
      trpc.members.delete.mutationOptions({
        onSuccess: (r, vars) => {
          // A deleted member's panel has nothing left to show.
          if (panelId !== null && vars.ids.includes(panelId)) update({ member: null }, true);
          done('Deleted')(r);
        },
        onError: fail,
      }),
    ),
    passwordReset: useMutation(trpc.members.sendPasswordReset.mutationOptions({ onSuccess: linkSent('Password reset link', 'It is emailed once a mail server is set up on the Mail page (a reset link is never handed over by an admin: it sets the person’s password).'), onError: fail })),
  };
  const copied = (title: string) => async (r: { url: string }) => {
    await navigator.clipboard?.writeText(r.url).catch(() => undefined);
    notifications.show({ color: 'green', title, message: r.url });
  };
  const copyLink = useMutation(trpc.members.copyInviteLink.mutationOptions({ onSuccess: copied('Invite link copied'), onError: fail }));
  const copyReactivationLink = useMutation(trpc.members.copyReactivationLink.mutationOptions({ onSuccess: copied('Reactivation link copied'), onError: fail }));

  const bulk = useBulkRunner(refresh);
  const latestRefresh = useLatest(refresh);
  const onInvited = useCallback(() => latestRefresh.current(), [latestRefresh]);
  const closeInvite = useCallback(() => setInviteOpen(false), []);
  const closeRoleFor = useCallback(() => setRoleFor(null), []);
  const latestBulk = useLatest(bulk);
  const applyRole = useCallback(
    (id: number, role: number) => {
      setRoleFor(null);
      land(id, latestBulk.current.run('setRoles', { kind: 'ids', ids: new Set([id]) }, [role]));
    },
    [latestBulk, land],
  );

  const run = (action: string, ids: number[], label: string) => {
    if (action === 'copyLink') return copyLink.mutate({ id: ids[0]! });
    if (action === 'copyReactivationLink') return copyReactivationLink.mutate({ id: ids[0]! });
    if (action === 'edit') return openPanel(ids[0]!);
    if (action === 'changeRole') return setRoleFor({ id: ids[0]!, email: label });
    if (DESTRUCTIVE.has(action)) return setConfirm({ action: action as RowAction, ids, label });
    land(ids[0]!, mutations[action as RowAction].mutateAsync({ ids }));
  };
  // Rows are memoised: they get callbacks that keep one identity and call the latest code.
  const latestRun = useLatest(run);
  const runRowAction = useCallback((action: string, id: number, email: string) => latestRun.current(action, [id], email), [latestRun]);
  const cancelConfirm = useCallback(() => setConfirm(null), []);
  const latestConfirm = useLatest({ confirm, mutations });
  const onConfirm = useCallback(() => {
    const { confirm: c, mutations: m } = latestConfirm.current;
    if (c) land(c.ids[0]!, m[c.action].mutateAsync({ ids: c.ids }).finally(() => setConfirm(null)));
  }, [latestConfirm, land]);
  const latestRows = useLatest(rows);
  const latestAllMatching = useLatest(allMatching);
  const toggle = useCallback(
    (id: number) => {
      if (latestAllMatching.current) {
        // Unticking one row of "all matching" keeps the loaded rows but that one.
        setAllMatching(false);
        setSelected(new Set(latestRows.current.map((r) => r.id).filter((x) => x !== id)));
        return;
      }
      setSelected((s) => {
        const n = new Set(s);
        if (n.has(id)) n.delete(id);
        else n.add(id);
        return n;
      });
    },
    [latestAllMatching, latestRows],
  );
  const toggleAll = useCallback(() => {
    if (latestAllMatching.current) {
      setAllMatching(false);
      setSelected(new Set<number>());
      return;
    }
    setSelected((s) => (latestRows.current.length > 0 && latestRows.current.every((r) => s.has(r.id)) ? new Set<number>() : new Set(latestRows.current.map((r) => r.id))));
  }, [latestAllMatching, latestRows]);
  const { hasNextPage, isFetchingNextPage, isFetchingPreviousPage } = list;

  const allShownSelected = !allMatching && rows.length > 0 && selected.size >= rows.length && rows.every((r) => selected.has(r.id));
  const selectionNow = useMemo<Selection | null>(
    () => (allMatching && knownTotal !== undefined ? { kind: 'filter', filter: filterInput, count: knownTotal } : selected.size > 0 ? { kind: 'ids', ids: selected } : null),
    // filterKey stands for filterInput (rebuilt each render).
    // oxlint-disable-next-line react-hooks/exhaustive-deps
    [allMatching, knownTotal, selected, filterKey],
  );
  // The bar follows a tick a moment later (a deferred render): the box itself answers at once.
  const selection = useDeferredValue(selectionNow);
  const canInvite = me.permissions.includes('members.invite');
  const openInvite = useCallback(() => setInviteOpen(true), []);
  const empty = search
    ? { title: 'No one matches this search', hint: 'Try another name, address or phone number.' }
    : { title: status === 'all' ? 'No members yet' : `No ${STATUS_LABELS[status].toLowerCase()} members`, hint: canInvite && status === 'all' ? 'Invite people by email to get started.' : '' };

  return (
    // The page fills the window: the table scrolls inside it under a sticky header.
    <Stack gap="xs" h="calc(100dvh - var(--app-shell-header-offset, 56px) - 2 * var(--app-shell-padding, 20px))" mih={520}>
      <MembersToolbar
        status={status}
        counts={counts.data}
        total={total}
        membersIn={me.membersIn}
        q={q}
        roleId={roleId}
        accountId={accountId}
        sort={sort}
        roles={roles.data}
        accounts={accounts.data}
        canInvite={canInvite}
        update={update}
        onType={onType}
        onCommit={onCommit}
        onInvite={openInvite}
      />

      {(allShownSelected || allMatching) && knownTotal !== undefined && knownTotal > rows.length && (
        <Group gap="xs" justify="center" role="status">
          {allMatching ? (
            <>
              <Text size="sm">All {formatCount(knownTotal)} matching members are selected.</Text>
              <Button size="compact-sm" variant="subtle" onClick={() => { setAllMatching(false); setSelected(new Set<number>()); }}>Clear selection</Button>
            </>
          ) : (
            <>
              <Text size="sm">All {formatCount(rows.length)} shown are selected.</Text>
              <Button size="compact-sm" variant="subtle" onClick={() => setAllMatching(true)}>Select all {formatCount(knownTotal)} matching</Button>
            </>
          )}
        </Group>
      )}

      {selection && (
        <BulkBar
          me={me}
          selection={selection}
          rows={rows}
          roles={roles.data ?? []}
          progress={bulk.progress}
          onRun={(action, roleIds) => land(null, bulk.run(action, selection, roleIds))}
          onClear={() => { setAllMatching(false); setSelected(new Set<number>()); }}
        />
      )}

      {list.error && <Alert color="red" title="Could not load members">{errorMessage(list.error)}</Alert>}

      <MembersTable
        rows={rows}
        total={knownTotal}
        loading={list.isLoading}
        refreshing={list.isPlaceholderData && list.isFetching}
        hasMore={!!hasNextPage && !list.isPlaceholderData}
        loadingMore={isFetchingNextPage}
        onLoadMore={loadMore}
        offset={offset}
        hasPrevious={offset > 0 && !list.isPlaceholderData}
        loadingPrevious={isFetchingPreviousPage}
        onLoadPrevious={loadPrevious}
        fetching={list.isFetching}
        selected={selected}
        allMatching={allMatching}
        onToggle={toggle}
        onToggleAll={toggleAll}
        onOpen={openPanel}
        onRun={runRowAction}
        viewKey={filterKey}
        onJump={jump}
        empty={list.isLoading || list.error ? null : empty}
      />

      <InviteDialog opened={inviteOpen} onClose={closeInvite} onInvited={onInvited} />
      <Panel id={panelId} covered={confirm !== null || roleFor !== null} onClose={closePanel} onAction={runRowAction} />
      <RoleDialog member={roleFor} roles={roles.data ?? NO_ROLES} onClose={closeRoleFor} onApply={applyRole} />
      <Confirm
        opened={confirm !== null}
        title={confirm ? `${ACTION_LABELS[confirm.action]}?` : ''}
        message={confirm ? confirmText(confirm.action, confirm.label) : ''}
        confirmLabel={confirm ? ACTION_LABELS[confirm.action]! : ''}
        loading={confirm ? mutations[confirm.action].isPending : false}
        onCancel={cancelConfirm}
        onConfirm={onConfirm}
      />
    </Stack>
  );
}

function confirmText(action: RowAction, label: string): string {
  switch (action) {
    case 'delete':
      return `${label} will lose all access and disappear from the lists. The address can be invited again later.`;
    case 'deactivate':
      return `${label} will no longer be able to sign in until reactivated.`;
    case 'cancel':
      return `The invitation link sent to ${label} will stop working.`;
    default:
      return '';
  }
}
