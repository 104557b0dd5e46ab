import { Alert, Badge, Button, Group, Paper, Progress, Select, Stack, Tabs, Text, TextInput, Title, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { memo, useCallback, useEffect, useId, useMemo, useRef, useState, type ReactNode } from 'react';
import { useSearchParams } from 'react-router';
import { LISTED_STATUSES, type MemberStatus } from '../../../shared/statuses';
import type { Me, MemberSort } from '../api-types';
import { ConfirmModal } from '../components/ConfirmModal';
import { InviteModal } from '../components/InviteModal';
import { MemberPanel } from '../components/MemberPanel';
import { MembersTable } from '../components/MembersTable';
import { ACTION_LABELS, DESTRUCTIVE, STATUS_LABELS, formatCount } from '../components/labels';
import { useMe } from '../me';
import { errorMessage, useTRPC, useTRPCClient } from '../trpc';

type BulkAction = 'resend' | 'reinvite' | 'cancel' | 'deactivate' | 'reactivate' | 'delete' | 'passwordReset';

/**
 * Bulk actions run in batches of this many ids: each batch is one transaction on the server
 * (all or nothing), and the bar shows progress between batches. A failure stops at that batch;
 * the toast says how many were changed before it.
 */
export const BULK_BATCH = 500;

const BULK_VERBS: Record<BulkAction | 'setRoles', string> = {
  resend: 'Invitation resent',
  reinvite: 'Invited again',
  cancel: 'Invitation cancelled',
  deactivate: 'Deactivated',
  reactivate: 'Reactivation link sent',
  delete: 'Deleted',
  passwordReset: 'Password reset sent',
  setRoles: 'Role changed',
};

const SORTS: { value: MemberSort; label: string }[] = [
  { value: 'invited_at', label: 'Invited (newest)' },
  { value: 'status_changed_at', label: 'Last change' },
  { value: 'name', label: 'Name' },
  { value: 'email', label: 'Email' },
];

/** The permission each bulk button needs, so a button the admin may not use says so. */
const BULK_PERMISSION: Record<'resend' | 'deactivate' | 'delete' | 'setRoles', { permission: Me['permissions'][number]; name: string }> = {
  resend: { permission: 'members.invite', name: 'Invite' },
  deactivate: { permission: 'members.deactivate', name: 'Deactivate' },
  delete: { permission: 'members.delete', name: 'Delete' },
  setRoles: { permission: 'members.edit', name: 'Edit' },
};

type Patch = Record<string, string | null>;

/**
 * The members screen's state lives in its address (`#/members?status=pending&q=dan&member=12`):
 * reload keeps it, Back and Forward walk it, and it can be bookmarked or shared.
 */
function useMembersAddress() {
  const [params, setParams] = useSearchParams();
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
  const update = useCallback(
    (patch: Patch, replace = false) =>
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          for (const [key, value] of Object.entries(patch)) {
            if (value === null || value === '') next.delete(key);
            else next.set(key, value);
          }
          return next;
        },
        { replace },
      ),
    [setParams],
  );
  return { view, update };
}

/** The latest value of something, for callbacks that must keep one identity (memoised rows). */
function useLatest<T>(value: T) {
  const ref = useRef(value);
  useEffect(() => {
    ref.current = value;
  });
  return ref;
}

export function MembersPage() {
  const me = useMe();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const qc = useQueryClient();
  const { view, update } = useMembersAddress();
  const { status, q, roleId, accountId, sort, memberId: panelId } = view;
  const [progress, setProgress] = useState<{ label: string; done: number; total: number } | null>(null);
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set<number>());
  const [inviteOpen, setInviteOpen] = useState(false);
  const [confirm, setConfirm] = useState<{ action: BulkAction; ids: number[]; label: string } | null>(null);
  const [roleChange, setRoleChange] = useState<string | null>(null);

  const counts = useQuery(trpc.members.counts.queryOptions());
  const roles = useQuery(trpc.roles.list.queryOptions());
  const accounts = useQuery(trpc.accounts.list.queryOptions());
  const search = q.trim();
  const input = {
    status: status === 'all' ? undefined : status,
    search: search || undefined,
    roleId: roleId ? Number(roleId) : undefined,
    accountId: accountId ? Number(accountId) : undefined,
    sort,
    order: (sort === 'name' || sort === 'email' ? 'asc' : 'desc') as 'asc' | 'desc',
    limit: 50,
  };
  // A selection belongs to the rows it was made on: a new tab, search, filter or sort starts afresh.
  const filterKey = JSON.stringify([status, search, roleId, accountId, sort]);
  const [selectionKey, setSelectionKey] = useState(filterKey);
  if (selectionKey !== filterKey) {
    setSelectionKey(filterKey);
    setSelected(new Set<number>());
  }
  const list = useInfiniteQuery(
    trpc.members.list.infiniteQueryOptions(input, {
      getNextPageParam: (last) => last.nextCursor ?? undefined,
      // The previous rows stay on screen while the next search or tab loads.
      placeholderData: keepPreviousData,
    }),
  );
  const rows = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);
  const total = Object.values(counts.data ?? {}).reduce((a, b) => a + b, 0);
  // The server counts by status only: with a search or a filter the number of matches is not known yet.
  const knownTotal = search || roleId || accountId ? undefined : status === 'all' ? (counts.data ? total : undefined) : counts.data?.[status];

  const openPanel = useCallback((id: number) => update({ member: String(id) }), [update]);
  const closePanel = useCallback(() => update({ member: null }), [update]);

  const refresh = () => {
    setSelected(new Set<number>());
    void qc.invalidateQueries({ queryKey: trpc.members.pathKey() });
    void qc.invalidateQueries({ queryKey: trpc.audit.pathKey() });
  };
  const done = (verb: string) => (r: { changed: number }) => {
    notifications.show({ color: 'green', title: 'Done', message: `${verb}: ${r.changed} member${r.changed === 1 ? '' : 's'}.` });
    refresh();
  };
  const fail = (e: unknown) => notifications.show({ color: 'red', title: 'Nothing was changed', message: errorMessage(e) });
  const mutations = {
    resend: useMutation(trpc.members.resend.mutationOptions({ onSuccess: done('Invitation resent'), onError: fail })),
    reinvite: useMutation(trpc.members.reinvite.mutationOptions({ onSuccess: done('Invited again'), onError: fail })),
    cancel: useMutation(trpc.members.cancel.mutationOptions({ onSuccess: done('Invitation cancelled'), onError: fail })),
    deactivate: useMutation(trpc.members.deactivate.mutationOptions({ onSuccess: done('Deactivated'), onError: fail })),
    reactivate: useMutation(trpc.members.reactivate.mutationOptions({ onSuccess: done('Reactivation link sent'), onError: fail })),
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
    passwordReset: useMutation(trpc.members.sendPasswordReset.mutationOptions({ onSuccess: done('Password reset sent'), onError: fail })),
  };
  const copyLink = useMutation(
    trpc.members.copyInviteLink.mutationOptions({
      onSuccess: async (r) => {
        await navigator.clipboard?.writeText(r.url).catch(() => undefined);
        notifications.show({ color: 'green', title: 'Invite link copied', message: r.url });
      },
      onError: fail,
    }),
  );

  /** Runs an action over many ids in batches, with progress; one toast with the counts at the end. */
  const runBulk = async (action: BulkAction | 'setRoles', ids: number[], roleIds: number[] = []) => {
    const call = (part: number[]) => {
      const p = client.members;
      switch (action) {
        case 'setRoles': return p.setRoles.mutate({ ids: part, roleIds });
        case 'passwordReset': return p.sendPasswordReset.mutate({ ids: part });
        default: return p[action].mutate({ ids: part });
      }
    };
    let changed = 0;
    setProgress({ label: BULK_VERBS[action], done: 0, total: ids.length });
    try {
      for (let i = 0; i < ids.length; i += BULK_BATCH) {
        const part = ids.slice(i, i + BULK_BATCH);
        changed += (await call(part)).changed;
        setProgress({ label: BULK_VERBS[action], done: Math.min(i + BULK_BATCH, ids.length), total: ids.length });
      }
      done(BULK_VERBS[action])({ changed });
    } catch (e) {
      notifications.show({ color: 'red', title: changed ? `Stopped after ${changed} change${changed === 1 ? '' : 's'}` : 'Nothing was changed', message: errorMessage(e) });
      refresh();
    } finally {
      setProgress(null);
    }
  };

  const run = (action: string, ids: number[], label: string) => {
    if (action === 'copyLink') return copyLink.mutate({ id: ids[0]! });
    if (action === 'edit') return openPanel(ids[0]!);
    if (DESTRUCTIVE.has(action)) return setConfirm({ action: action as BulkAction, ids, label });
    if (ids.length > 1) return void runBulk(action as BulkAction, ids);
    mutations[action as BulkAction].mutate({ ids });
  };
  // Rows are memoised: they get callbacks that keep one identity and call the latest code.
  const latestRun = useLatest(run);
  const runRowAction = useCallback((action: string, id: number, email: string) => latestRun.current(action, [id], email), [latestRun]);
  const toggle = useCallback(
    (id: number) =>
      setSelected((s) => {
        const n = new Set(s);
        if (n.has(id)) n.delete(id);
        else n.add(id);
        return n;
      }),
    [],
  );
  const latestRows = useLatest(rows);
  const toggleAll = useCallback(
    () => setSelected((s) => (latestRows.current.length > 0 && latestRows.current.every((r) => s.has(r.id)) ? new Set<number>() : new Set(latestRows.current.map((r) => r.id)))),
    [latestRows],
  );
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = list;
  const loadMore = useCallback(() => void fetchNextPage(), [fetchNextPage]);

  const selectedRows = rows.filter((r) => selected.has(r.id));
  const includesMe = selected.has(me.memberId);
  /** Why a bulk button cannot act on this selection, in words; null when it can. */
  const whyNot = (action: 'resend' | 'deactivate' | 'delete' | 'setRoles'): string | null => {
    const need = BULK_PERMISSION[action];
    if (!me.permissions.includes(need.permission)) return `You need the “${need.name}” permission for this.`;
    if (action === 'setRoles') {
      if (!roleChange) return 'Choose a role first.';
      if (includesMe) return 'Nobody can change their own roles: unselect your own row.';
      return null;
    }
    if (includesMe && action !== 'resend') return `You cannot ${action} yourself: unselect your own row.`;
    const refused = selectedRows.filter((r) => !r.actions.includes(action));
    if (refused.length === 0) return null;
    const byStatus = new Map<MemberStatus, number>();
    for (const r of refused) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
    const list = [...byStatus].map(([s, n]) => `${n} ${STATUS_LABELS[s].toLowerCase()}`).join(', ');
    return `${ACTION_LABELS[action]} does not apply to ${list} in the selection: unselect ${refused.length === 1 ? 'that member' : 'them'}.`;
  };
  const canInvite = me.permissions.includes('members.invite');
  const setTab = (v: string | null) => update({ status: !v || v === 'all' ? null : v, member: null });
  const empty = search
    ? { title: 'No one matches this search', hint: 'Try another name, address or phone number.' }
    : { title: status === 'all' ? 'No members yet' : `No ${STATUS_LABELS[status].toLowerCase()} members`, hint: canInvite && status === 'all' ? 'Invite people by email to get started.' : '' };

  return (
    // The page fills the window: the table scrolls inside it under a sticky header.
    <Stack gap="xs" h="calc(100dvh - var(--app-shell-header-offset, 56px) - 2 * var(--app-shell-padding, 20px))" mih={520}>
      <Group justify="space-between" wrap="nowrap">
        <div>
          <Title order={1} size="h2">
            Members
          </Title>
          <Text c="dimmed" size="sm">
            {formatCount(total)} {total === 1 ? 'person' : 'people'} in {me.organization.name}
          </Text>
        </div>
        {canInvite && <Button onClick={() => setInviteOpen(true)}>Invite people</Button>}
      </Group>

      <Tabs value={status} onChange={setTab} activateTabWithKeyboard={false}>
        <Tabs.List>
          <Tabs.Tab value="all">All <CountBadge n={total} /></Tabs.Tab>
          {LISTED_STATUSES.map((s) => (
            <Tabs.Tab key={s} value={s}>
              {STATUS_LABELS[s]} <CountBadge n={counts.data?.[s] ?? 0} />
            </Tabs.Tab>
          ))}
        </Tabs.List>
      </Tabs>

      <Group gap="sm" align="flex-end" wrap="wrap">
        <SearchBox value={q} onCommit={(v) => update({ q: v || null }, q !== '')} />
        <Select size="xs" label="Role" placeholder="Any role" clearable data={(roles.data ?? []).map((r) => ({ value: String(r.id), label: r.name }))} value={roleId} onChange={(v) => update({ role: v })} w={170} />
        <Select size="xs" label="Sub-account" placeholder="Any account" clearable data={(accounts.data ?? []).filter((a) => a.parentId !== null).map((a) => ({ value: String(a.id), label: a.path }))} value={accountId} onChange={(v) => update({ account: v })} w={190} />
        <Select size="xs" label="Sort by" allowDeselect={false} data={SORTS} value={sort} onChange={(v) => v && update({ sort: v === 'invited_at' ? null : v })} w={160} />
      </Group>

      {selected.size > 0 && (
        <Paper withBorder p="xs" role="region" aria-label="Bulk actions">
          <Group gap="sm">
            <Text size="sm" fw={600}>{formatCount(selected.size)} selected</Text>
            <Select aria-label="Change role to" placeholder="Change role to…" size="xs" w={180} data={(roles.data ?? []).map((r) => ({ value: String(r.id), label: r.name }))} value={roleChange} onChange={setRoleChange} />
            <ReasonButton reason={whyNot('setRoles')} onClick={() => { if (roleChange) void runBulk('setRoles', [...selected], [Number(roleChange)]).then(() => setRoleChange(null)); }}>
              Apply role
            </ReasonButton>
            <ReasonButton reason={whyNot('resend')} onClick={() => run('resend', [...selected], '')}>Resend</ReasonButton>
            <ReasonButton reason={whyNot('deactivate')} color="orange" onClick={() => run('deactivate', [...selected], `${selected.size} members`)}>Deactivate</ReasonButton>
            <ReasonButton reason={whyNot('delete')} color="red" onClick={() => run('delete', [...selected], `${selected.size} members`)}>Delete</ReasonButton>
            <Button size="xs" variant="subtle" onClick={() => setSelected(new Set<number>())}>Clear selection</Button>
          </Group>
          {progress && (
            <Stack gap={4} mt="xs">
              <Text size="xs" c="dimmed">{progress.label}: {progress.done} of {progress.total}</Text>
              <Progress value={(progress.done / progress.total) * 100} aria-label="Bulk action progress" animated />
            </Stack>
          )}
        </Paper>
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
        selected={selected}
        onToggle={toggle}
        onToggleAll={toggleAll}
        onOpen={openPanel}
        onRun={runRowAction}
        empty={list.isLoading || list.error ? null : empty}
      />

      <InviteModal opened={inviteOpen} onClose={() => setInviteOpen(false)} onInvited={refresh} />
      <MemberPanel id={panelId} onClose={closePanel} onAction={(a, id, email) => run(a, [id], email)} />
      <ConfirmModal
        opened={confirm !== null}
        title={confirm ? `${ACTION_LABELS[confirm.action]}?` : ''}
        message={confirm ? confirmText(confirm.action, confirm.label) : ''}
        confirmLabel={confirm ? ACTION_LABELS[confirm.action]! : ''}
        loading={confirm ? mutations[confirm.action].isPending : false}
        onCancel={() => setConfirm(null)}
        onConfirm={() => {
          if (!confirm) return;
          if (confirm.ids.length > 1) {
            setConfirm(null);
            void runBulk(confirm.action, confirm.ids);
          } else mutations[confirm.action].mutate({ ids: confirm.ids }, { onSettled: () => setConfirm(null) });
        }}
      />
    </Stack>
  );
}

/**
 * The search field keeps its own text: a keystroke re-renders this field only. The address (and
 * so the query) follows after a short pause; the previous rows stay while the new ones load.
 */
const SearchBox = memo(function SearchBox({ value, onCommit }: { value: string; onCommit(value: string): void }) {
  const [text, setText] = useState(value);
  const [seen, setSeen] = useState(value);
  const [committed, setCommitted] = useState(value);
  // The address changed elsewhere (Back, a link, a reload): show what it says.
  if (value !== seen) {
    setSeen(value);
    if (value !== committed) {
      setCommitted(value);
      setText(value);
    }
  }
  const latestCommit = useLatest(onCommit);
  useEffect(() => {
    if (text === committed) return;
    const timer = setTimeout(() => {
      setCommitted(text);
      latestCommit.current(text);
    }, SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text, committed, latestCommit]);
  return <TextInput size="xs" label="Search" placeholder="Name, email or phone" value={text} onChange={(e) => setText(e.currentTarget.value)} w={260} />;
});

/** Long enough to skip the keystrokes of a word typed at once, short enough to feel immediate. */
const SEARCH_DEBOUNCE_MS = 80;

/** A bulk button that, when it cannot act, stays focusable and says why (tooltip and description). */
function ReasonButton({ reason, color, onClick, children }: { reason: string | null; color?: string; onClick(): void; children: ReactNode }) {
  const reasonId = useId();
  if (!reason)
    return (
      <Button size="xs" variant="light" color={color} onClick={onClick}>
        {children}
      </Button>
    );
  return (
    <>
      <Tooltip label={reason} multiline w={300} withArrow>
        <Button size="xs" variant="light" color={color} data-disabled aria-disabled="true" aria-describedby={reasonId} onClick={(e) => e.preventDefault()}>
          {children}
        </Button>
      </Tooltip>
      {/* Hidden, yet read as the button's description (aria-describedby may point at hidden text). */}
      <span id={reasonId} hidden>
        {reason}
      </span>
    </>
  );
}

function confirmText(action: BulkAction, label: string): string {
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

function CountBadge({ n }: { n: number }) {
  return <Badge size="xs" variant="light" color="gray" ml={4} component="span">{n}</Badge>;
}
