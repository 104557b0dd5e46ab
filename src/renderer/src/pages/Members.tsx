import { ActionIcon, Alert, Badge, Button, Checkbox, Group, Menu, Paper, Progress, ScrollArea, Select, Skeleton, Stack, Table, Tabs, Text, TextInput, Title, UnstyledButton } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { LISTED_STATUSES, type MemberStatus } from '../../../shared/statuses';
import { ConfirmModal } from '../components/ConfirmModal';
import { InviteModal } from '../components/InviteModal';
import { MemberPanel } from '../components/MemberPanel';
import { ACTION_LABELS, DESTRUCTIVE, STATUS_COLORS, STATUS_LABELS, formatDate } from '../components/labels';
import { errorMessage, useTRPC, useTRPCClient } from '../trpc';
import { useMe } from '../me';
import { DeliveryBadge } from '../components/DeliveryBadge';

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

export function MembersPage() {
  const me = useMe();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const qc = useQueryClient();
  const [progress, setProgress] = useState<{ label: string; done: number; total: number } | null>(null);
  const [status, setStatus] = useState<MemberStatus | 'all'>('all');
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search, 250);
  const [roleId, setRoleId] = useState<string | null>(null);
  const [accountId, setAccountId] = useState<string | null>(null);
  const [sort, setSort] = useState<'invited_at' | 'name' | 'email' | 'status_changed_at'>('invited_at');
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [inviteOpen, setInviteOpen] = useState(false);
  const [panelId, setPanelId] = useState<number | null>(null);
  const [confirm, setConfirm] = useState<{ action: BulkAction; ids: number[]; label: string } | null>(null);
  const [roleChange, setRoleChange] = useState<string | null>(null);

  const counts = useQuery(trpc.members.counts.queryOptions());
  const roles = useQuery(trpc.roles.list.queryOptions());
  const accounts = useQuery(trpc.accounts.list.queryOptions());
  const input = {
    status: status === 'all' ? undefined : status,
    search: debounced || undefined,
    roleId: roleId ? Number(roleId) : undefined,
    accountId: accountId ? Number(accountId) : undefined,
    sort,
    order: (sort === 'name' || sort === 'email' ? 'asc' : 'desc') as 'asc' | 'desc',
    limit: 50,
  };
  // A selection belongs to the rows it was made on: a new search, filter or sort starts afresh.
  const filterKey = JSON.stringify([debounced, roleId, accountId, sort]);
  const [selectionKey, setSelectionKey] = useState(filterKey);
  if (selectionKey !== filterKey) {
    setSelectionKey(filterKey);
    setSelected(new Set());
  }
  const list = useInfiniteQuery(trpc.members.list.infiniteQueryOptions(input, { getNextPageParam: (last) => last.nextCursor ?? undefined }));
  const rows = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);
  const total = Object.values(counts.data ?? {}).reduce((a, b) => a + b, 0);

  const refresh = () => {
    setSelected(new Set());
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
          if (panelId !== null && vars.ids.includes(panelId)) setPanelId(null);
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
    if (action === 'edit') return setPanelId(ids[0]!);
    if (DESTRUCTIVE.has(action)) return setConfirm({ action: action as BulkAction, ids, label });
    if (ids.length > 1) return void runBulk(action as BulkAction, ids);
    mutations[action as BulkAction].mutate({ ids });
  };

  const selectedRows = rows.filter((r) => selected.has(r.id));
  const bulkAllowed = (action: string) => selectedRows.length > 0 && selectedRows.every((r) => r.actions.includes(action));
  const toggle = (id: number) => setSelected((s) => { const n = new Set(s); if (n.has(id)) n.delete(id); else n.add(id); return n; });
  const allChecked = rows.length > 0 && rows.every((r) => selected.has(r.id));
  const canInvite = me.permissions.includes('members.invite');

  return (
    <Stack gap="md">
      <Group justify="space-between">
        <div>
          <Title order={1} size="h2">
            Members
          </Title>
          <Text c="dimmed" size="sm">
            {total} {total === 1 ? 'person' : 'people'} in {me.organization.name}
          </Text>
        </div>
        {canInvite && <Button onClick={() => setInviteOpen(true)}>Invite people</Button>}
      </Group>

      <Tabs value={status} onChange={(v) => { setStatus((v as MemberStatus | 'all') ?? 'all'); setSelected(new Set()); }}>
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
        <TextInput label="Search" placeholder="Name, email or phone" value={search} onChange={(e) => setSearch(e.currentTarget.value)} w={280} />
        <Select label="Role" placeholder="Any role" clearable data={(roles.data ?? []).map((r) => ({ value: String(r.id), label: r.name }))} value={roleId} onChange={setRoleId} w={180} />
        <Select label="Sub-account" placeholder="Any account" clearable data={(accounts.data ?? []).filter((a) => a.parentId !== null).map((a) => ({ value: String(a.id), label: a.path }))} value={accountId} onChange={setAccountId} w={200} />
        <Select label="Sort by" allowDeselect={false} data={[{ value: 'invited_at', label: 'Invited (newest)' }, { value: 'status_changed_at', label: 'Last change' }, { value: 'name', label: 'Name' }, { value: 'email', label: 'Email' }]} value={sort} onChange={(v) => v && setSort(v as typeof sort)} w={170} />
      </Group>

      {selected.size > 0 && (
        <Paper withBorder p="sm" role="region" aria-label="Bulk actions">
          <Group gap="sm">
            <Text size="sm" fw={600}>{selected.size} selected</Text>
            <Select aria-label="Change role to" placeholder="Change role to…" size="xs" w={180} data={(roles.data ?? []).map((r) => ({ value: String(r.id), label: r.name }))} value={roleChange} onChange={setRoleChange} />
            <Button size="xs" variant="light" disabled={!roleChange} onClick={() => { if (roleChange) void runBulk('setRoles', [...selected], [Number(roleChange)]).then(() => setRoleChange(null)); }}>
              Apply role
            </Button>
            <Button size="xs" variant="light" disabled={!bulkAllowed('resend')} onClick={() => run('resend', [...selected], '')}>Resend</Button>
            <Button size="xs" variant="light" color="orange" disabled={!bulkAllowed('deactivate')} onClick={() => run('deactivate', [...selected], `${selected.size} members`)}>Deactivate</Button>
            <Button size="xs" variant="light" color="red" disabled={!bulkAllowed('delete')} onClick={() => run('delete', [...selected], `${selected.size} members`)}>Delete</Button>
            <Button size="xs" variant="subtle" onClick={() => setSelected(new Set())}>Clear selection</Button>
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

      <Paper withBorder radius="md">
        <ScrollArea>
          <Table highlightOnHover verticalSpacing="sm" miw={800} aria-label="Members">
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={40}>
                  <Checkbox aria-label="Select all shown" checked={allChecked} indeterminate={selected.size > 0 && !allChecked} onChange={() => setSelected(allChecked ? new Set() : new Set(rows.map((r) => r.id)))} />
                </Table.Th>
                <Table.Th>Person</Table.Th>
                <Table.Th>Phone</Table.Th>
                <Table.Th>Roles</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Invited</Table.Th>
                <Table.Th w={60}><span className="visually-hidden">Actions</span></Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((r) => (
                <Table.Tr key={r.id} aria-label={r.email} data-status={r.status} data-member-id={r.id} style={{ cursor: 'pointer' }} onClick={() => setPanelId(r.id)}>
                  <Table.Td onClick={(e) => e.stopPropagation()}>
                    <Checkbox aria-label={`Select ${r.email}`} checked={selected.has(r.id)} onChange={() => toggle(r.id)} />
                  </Table.Td>
                  <Table.Td>
                    {/* A real button, so the side panel opens from the keyboard too. */}
                    <UnstyledButton aria-haspopup="dialog" onClick={(e) => { e.stopPropagation(); setPanelId(r.id); }} style={{ borderRadius: 4 }}>
                      <Text size="sm" fw={600}>{r.name || r.email}</Text>
                      {r.name && <Text size="xs" c="dimmed">{r.email}</Text>}
                    </UnstyledButton>
                  </Table.Td>
                  <Table.Td><Text size="sm">{r.phone ?? '—'}</Text></Table.Td>
                  <Table.Td>
                    <Group gap={4}>{r.roles.map((role) => <Badge key={`${role.id}-${role.accountId}`} variant="light" size="sm">{role.name}</Badge>)}</Group>
                  </Table.Td>
                  <Table.Td>
                    <Badge color={STATUS_COLORS[r.status]} variant="dot">{STATUS_LABELS[r.status]}</Badge>
                    {r.status === 'pending' && r.inviteExpiresAt && <Text size="xs" c="dimmed">until {formatDate(r.inviteExpiresAt)}</Text>}
                    <DeliveryBadge memberId={r.id} delivery={r.delivery} />
                  </Table.Td>
                  <Table.Td><Text size="sm">{formatDate(r.invitedAt)}</Text></Table.Td>
                  <Table.Td onClick={(e) => e.stopPropagation()}>
                    {r.actions.length > 0 && (
                      <Menu position="bottom-end" withinPortal>
                        <Menu.Target>
                          <ActionIcon variant="subtle" aria-label={`Actions for ${r.email}`}>⋯</ActionIcon>
                        </Menu.Target>
                        <Menu.Dropdown>
                          {r.actions.map((a) => (
                            <Menu.Item key={a} color={DESTRUCTIVE.has(a) ? 'red' : undefined} onClick={() => run(a, [r.id], r.email)}>
                              {ACTION_LABELS[a] ?? a}
                            </Menu.Item>
                          ))}
                        </Menu.Dropdown>
                      </Menu>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollArea>
        {list.isLoading && (
          <Stack gap="xs" p="md" aria-label="Loading members">
            {[0, 1, 2, 3, 4].map((i) => <Skeleton key={i} height={28} radius="sm" />)}
          </Stack>
        )}
        {!list.isLoading && !list.error && rows.length === 0 && (
          <Stack align="center" gap={4} py={48}>
            <Text fw={600}>{debounced ? 'No one matches this search' : status === 'all' ? 'No members yet' : `No ${STATUS_LABELS[status as MemberStatus].toLowerCase()} members`}</Text>
            <Text size="sm" c="dimmed">{debounced ? 'Try another name, address or phone number.' : canInvite ? 'Invite people by email to get started.' : ''}</Text>
          </Stack>
        )}
        {list.hasNextPage && (
          <Group justify="center" p="sm">
            <Button variant="subtle" loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>Show more</Button>
          </Group>
        )}
      </Paper>

      <InviteModal opened={inviteOpen} onClose={() => setInviteOpen(false)} onInvited={refresh} />
      <MemberPanel id={panelId} onClose={() => setPanelId(null)} onAction={(a, id, email) => run(a, [id], email)} />
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
