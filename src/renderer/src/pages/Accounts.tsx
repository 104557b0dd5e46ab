import { ActionIcon, Alert, Button, Group, Menu, Modal, Paper, Select, Stack, Text, TextInput, Title, type ComboboxItem, type SelectProps } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useRef, useState } from 'react';
import { errorMessage, useTRPC } from '../trpc';
import type { AccountRow } from '../api-types';
import { useMe } from '../me';
import { AccountSyncDetails } from '../components/SyncState';


type Dialog = { kind: 'rename' | 'move' | 'delete'; account: AccountRow } | null;

/** Pickers show full paths; a long one is cut, so its whole text is on hover. */
const pathOption: SelectProps['renderOption'] = ({ option }) => (
  <Text size="sm" title={option.label} style={{ whiteSpace: 'normal', wordBreak: 'break-word' }}>{option.label}</Text>
);
const titleOf = (data: ComboboxItem[], value: string | null) => data.find((o) => o.value === value)?.label;

/** The rows of the tree to show: collapsed branches hidden; a search shows matches with their ancestors. */
function visibleRows(list: AccountRow[], collapsed: Set<number>, search: string): AccountRow[] {
  const byId = new Map(list.map((a) => [a.id, a]));
  const ancestors = (a: AccountRow) => {
    const out: number[] = [];
    for (let p = a.parentId; p !== null; p = byId.get(p)?.parentId ?? null) out.push(p);
    return out;
  };
  const q = search.trim().toLowerCase();
  if (q) {
    const keep = new Set<number>();
    for (const a of list) if (a.name.toLowerCase().includes(q)) [a.id, ...ancestors(a)].forEach((id) => keep.add(id));
    return list.filter((a) => keep.has(a.id));
  }
  return list.filter((a) => !ancestors(a).some((id) => collapsed.has(id)));
}

export function AccountsPage() {
  const me = useMe();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const accounts = useQuery(trpc.accounts.list.queryOptions());
  const roles = useQuery(trpc.roles.list.queryOptions());
  const [name, setName] = useState('');
  const [parent, setParent] = useState<string | null>(null);
  const [leadEmail, setLeadEmail] = useState('');
  const [leadRole, setLeadRole] = useState<string | null>(null);
  const [leadError, setLeadError] = useState<string | null>(null);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [value, setValue] = useState('');
  const [target, setTarget] = useState<string | null>(null);
  const [collapsed, setCollapsed] = useState<Set<number>>(new Set());
  const [search, setSearch] = useState('');
  // Each account's actions button: focused again before a dialog opens from its menu, so that closing
  // the dialog returns there (the menu item is gone by then).
  const actionButtons = useRef(new Map<number, HTMLButtonElement>());
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: trpc.accounts.pathKey() });
    void qc.invalidateQueries({ queryKey: trpc.members.pathKey() });
  };
  const done = (title: string, message = '') => {
    notifications.show({ color: 'green', title, message });
    setDialog(null);
    refresh();
  };
  const create = useMutation(
    trpc.accounts.create.mutationOptions({
      onSuccess: (a) => {
        notifications.show({ color: 'green', title: 'Sub-account created', message: a.invited ? `${a.name}; ${a.invited.email} invited` : a.name });
        // The whole form starts again: the next account is not silently created under the last parent.
        setName('');
        setParent(null);
        setLeadEmail('');
        setLeadRole(null);
        setLeadError(null);
        create.reset();
        refresh();
      },
    }),
  );
  const rename = useMutation(trpc.accounts.rename.mutationOptions({ onSuccess: (a) => done('Sub-account renamed', a.name) }));
  const move = useMutation(trpc.accounts.move.mutationOptions({ onSuccess: () => done('Sub-account moved') }));
  const remove = useMutation(trpc.accounts.delete.mutationOptions({ onSuccess: () => done('Sub-account deleted') }));
  // Drag to move (the mouse path of "Move to…"): the same server command, refusals as a toast.
  const [dragged, setDragged] = useState<AccountRow | null>(null);
  const [dropOn, setDropOn] = useState<number | 'root' | null>(null);
  const refuse = (message: string) => notifications.show({ color: 'red', title: 'Not moved', message });
  const dragMove = useMutation(
    trpc.accounts.move.mutationOptions({
      onError: (e) => refuse(errorMessage(e)),
    }),
  );
  const active = dialog?.kind === 'rename' ? rename : dialog?.kind === 'move' ? move : remove;

  const list = useMemo(() => [...(accounts.data ?? [])].sort((a, b) => a.path.localeCompare(b.path)), [accounts.data]);
  const hasChildren = useMemo(() => new Set(list.map((a) => a.parentId).filter((p): p is number => p !== null)), [list]);
  const shown = visibleRows(list, collapsed, search);
  const toggle = (id: number) =>
    setCollapsed((c) => {
      const next = new Set(c);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  const depth = (path: string) => path.split(' / ').length - 1;
  const canManage = me.permissions.includes('accounts.manage');
  const options = (exclude?: AccountRow) =>
    list.filter((a) => !exclude || (a.id !== exclude.id && !a.path.startsWith(`${exclude.path} / `))).map((a) => ({ value: String(a.id), label: a.path }));
  const dropOnto = (a: AccountRow, under: AccountRow) => {
    setDropOn(null);
    setDragged(null);
    if (a.id === under.id || a.parentId === under.id) return;
    if (under.path.startsWith(`${a.path} / `)) return refuse(`${a.name} cannot go under ${under.name}: ${under.name} is inside ${a.name}.`);
    dragMove.mutate({ id: a.id, parentId: under.id, version: a.version }, { onSuccess: () => done('Sub-account moved', `${a.name} is now under ${under.path}`) });
  };
  const dropProps = (under: AccountRow, key: number | 'root') =>
    dragged
      ? {
          onDragOver: (e: React.DragEvent) => {
            e.preventDefault();
            e.dataTransfer.dropEffect = 'move';
            if (dropOn !== key) setDropOn(key);
          },
          onDragLeave: () => setDropOn((d) => (d === key ? null : d)),
          onDrop: (e: React.DragEvent) => {
            e.preventDefault();
            dropOnto(dragged, under);
          },
        }
      : {};
  const root = list.find((a) => a.parentId === null);
  // Keyboard on the tree: arrows Right/Left expand/collapse the row's branch, Up/Down go to the row above/below.
  const onRowKey = (e: React.KeyboardEvent<HTMLElement>, a: AccountRow) => {
    const row = e.currentTarget;
    // Keys from the actions menu (rendered in a portal, but bubbling here through React) are the menu's.
    if (!(e.target instanceof Node) || !row.contains(e.target)) return;
    if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      if (!hasChildren.has(a.id) || search) return;
      const open = !collapsed.has(a.id);
      if ((e.key === 'ArrowRight') !== open) {
        e.preventDefault();
        toggle(a.id);
      }
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      const rows = [...(row.parentElement?.querySelectorAll<HTMLElement>(':scope > [role="listitem"]') ?? [])];
      const next = rows[rows.indexOf(row) + (e.key === 'ArrowDown' ? 1 : -1)];
      const target = next?.querySelector<HTMLElement>('button:not([disabled])');
      if (target) {
        e.preventDefault();
        target.focus();
      }
    }
  };
  const open_ = (kind: 'rename' | 'move' | 'delete', account: AccountRow) => {
    actionButtons.current.get(account.id)?.focus();
    setValue(account.name);
    setTarget(null);
    // A refusal shown for an earlier dialog (a stale save, say) does not carry over to this one.
    for (const m of [rename, move, remove]) m.reset();
    setDialog({ kind, account });
  };

  return (
    <Stack>
      <div>
        <Title order={1} size="h2">Accounts</Title>
        <Text c="dimmed" size="sm">The company account and its sub-accounts.</Text>
      </div>
      <Paper withBorder p="md">
        <Group justify="space-between" mb="sm">
          <TextInput placeholder="Search accounts" aria-label="Search accounts" value={search} onChange={(e) => setSearch(e.currentTarget.value)} w={260} size="xs" />
          {hasChildren.size > 0 && !search && (
            <Group gap="xs">
              <Button size="compact-xs" variant="subtle" onClick={() => setCollapsed(new Set())}>Expand all</Button>
              <Button size="compact-xs" variant="subtle" onClick={() => setCollapsed(new Set(hasChildren))}>Collapse all</Button>
            </Group>
          )}
        </Group>
        {/* A list with disclosure buttons; arrows also work on a row's buttons (onRowKey). */}
        <Stack gap={6} role="list" aria-label="Account structure">
          {shown.map((a) => {
            const branch = hasChildren.has(a.id);
            const open = !!search || !collapsed.has(a.id);
            return (
              <Group
                key={a.id}
                role="listitem"
                aria-label={a.name}
                pl={depth(a.path) * 20}
                gap="xs"
                wrap="nowrap"
                draggable={canManage && a.parentId !== null && !search}
                onDragStart={(e) => {
                  e.dataTransfer.setData('text/plain', a.path);
                  e.dataTransfer.effectAllowed = 'move';
                  setDragged(a);
                }}
                onDragEnd={() => {
                  setDragged(null);
                  setDropOn(null);
                }}
                {...dropProps(a, a.id)}
                onKeyDown={(e) => onRowKey(e, a)}
                style={{
                  cursor: canManage && a.parentId !== null && !search ? 'grab' : undefined,
                  outline: dropOn === a.id ? '2px dashed var(--mantine-color-blue-filled)' : undefined,
                  borderRadius: 4,
                }}
              >
                {branch ? (
                  <ActionIcon variant="subtle" size="sm" aria-label={`${open ? 'Collapse' : 'Expand'} ${a.name}`} aria-expanded={open} onClick={() => toggle(a.id)} disabled={!!search}>
                    {open ? '▾' : '▸'}
                  </ActionIcon>
                ) : (
                  <span style={{ width: 22, display: 'inline-block' }} />
                )}
                <Text size="sm" fw={a.parentId === null ? 700 : 400} title={a.path}>{a.name}</Text>
                <Text size="xs" c="dimmed">{a.members} member{a.members === 1 ? '' : 's'}</Text>
                {canManage && (
                  <Menu position="bottom-start" withinPortal>
                    <Menu.Target>
                      <ActionIcon variant="subtle" size="sm" aria-label={`Actions for ${a.name}`} ref={(el) => { if (el) actionButtons.current.set(a.id, el); }}>⋯</ActionIcon>
                    </Menu.Target>
                    <Menu.Dropdown>
                      <Menu.Item onClick={() => open_('rename', a)}>Rename</Menu.Item>
                      {a.parentId !== null && <Menu.Item onClick={() => open_('move', a)}>Move to…</Menu.Item>}
                      {a.parentId !== null && <Menu.Item color="red" onClick={() => open_('delete', a)}>Delete</Menu.Item>}
                    </Menu.Dropdown>
                  </Menu>
                )}
              </Group>
            );
          })}
          {search && shown.length === 0 && <Text size="sm" c="dimmed">No account is called “{search}”.</Text>}
        </Stack>
        {canManage && root && list.length > 1 && !search && (
          <Paper
            role="region"
            aria-label="Top level"
            withBorder
            p="xs"
            mt="sm"
            {...dropProps(root, 'root')}
            style={{ borderStyle: 'dashed', borderColor: dropOn === 'root' ? 'var(--mantine-color-blue-filled)' : undefined }}
          >
            <Text size="xs" c="dimmed">
              {dragged
                ? `Drop here to move ${dragged.name} to the top level, directly under ${root.name}.`
                : 'Drag an account onto another to move it under it, or here to move it to the top level; “Move to…” in its actions menu does the same.'}
            </Text>
          </Paper>
        )}
        {list.length === 1 && (
          <Text size="sm" c="dimmed" mt="sm">
            No sub-accounts yet. {canManage ? 'Create one below, for a country, a team or a customer, and invite the person in charge of it.' : 'An admin who manages accounts can create them.'}
          </Text>
        )}
      </Paper>
      <AccountSyncDetails accounts={list} />
      {canManage && (
        <Paper withBorder p="md">
          <form
            onSubmit={(e) => {
              e.preventDefault();
              // Mantine's Select is read-only to the browser, so "required" is checked here.
              if (leadEmail.trim() && !leadRole) return setLeadError('Choose their role there.');
              setLeadError(null);
              create.mutate({
                name,
                parentId: parent ? Number(parent) : undefined,
                inCharge: leadEmail.trim() && leadRole ? { email: leadEmail.trim(), roleId: Number(leadRole) } : undefined,
              });
            }}
          >
            <Stack gap="sm">
              <Group align="flex-end">
                <TextInput label="New sub-account" value={name} onChange={(e) => setName(e.currentTarget.value)} required />
                <Select label="Under" placeholder="Company account" clearable searchable data={options()} value={parent} onChange={setParent} renderOption={pathOption} title={titleOf(options(), parent)} w={320} comboboxProps={{ width: 'max-content' }} />
              </Group>
              <Group align="flex-end">
                <TextInput label="Invite the person in charge (optional)" placeholder="email@example.com" value={leadEmail} onChange={(e) => setLeadEmail(e.currentTarget.value)} />
                <Select label="Their role there" placeholder="Choose a role" data={(roles.data ?? []).filter((r) => r.builtin !== 'owner').map((r) => ({ value: String(r.id), label: r.name }))} value={leadRole} onChange={(v) => { setLeadRole(v); setLeadError(null); }} required={leadEmail.trim() !== ''} error={leadError} />
                <Button type="submit" loading={create.isPending}>Create</Button>
              </Group>
              {create.error && <Alert color="red">{errorMessage(create.error)}</Alert>}
            </Stack>
          </form>
        </Paper>
      )}

      <Modal
        opened={dialog !== null}
        onClose={() => setDialog(null)}
        title={dialog ? `${dialog.kind === 'rename' ? 'Rename' : dialog.kind === 'move' ? 'Move' : 'Delete'} ${dialog.account.path}` : ''}
      >
        {dialog && (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              // The version the list was read at: a save over another admin's newer change is refused (team mode).
              const { id, version } = dialog.account;
              if (dialog.kind === 'rename') rename.mutate({ id, name: value, version });
              else if (dialog.kind === 'move' && target) move.mutate({ id, parentId: Number(target), version });
              else if (dialog.kind === 'delete') remove.mutate({ id, moveMembersTo: target ? Number(target) : undefined });
            }}
          >
            <Stack>
              {dialog.kind === 'rename' && <TextInput label="Name" value={value} onChange={(e) => setValue(e.currentTarget.value)} required data-autofocus />}
              {dialog.kind === 'move' && <Select label="New parent" searchable data={options(dialog.account)} value={target} onChange={setTarget} renderOption={pathOption} title={titleOf(options(dialog.account), target)} required data-autofocus />}
              {dialog.kind === 'delete' && (
                <>
                  <Text size="sm">
                    {dialog.account.members > 0
                      ? `${dialog.account.members} member${dialog.account.members === 1 ? ' depends' : 's depend'} on this sub-account: choose where their access moves. Roles and permissions granted at ${dialog.account.name} are removed; anyone left without a role keeps the Member role.`
                      : 'No member depends on this sub-account.'}
                  </Text>
                  {dialog.account.members > 0 && <Select label="Move members to" searchable data={options(dialog.account)} value={target} onChange={setTarget} renderOption={pathOption} title={titleOf(options(dialog.account), target)} required />}
                </>
              )}
              {active.error && <Alert color="red">{errorMessage(active.error)}</Alert>}
              <Group justify="flex-end">
                <Button variant="default" onClick={() => setDialog(null)}>Cancel</Button>
                <Button
                  type="submit"
                  color={dialog.kind === 'delete' ? 'red' : undefined}
                  loading={active.isPending}
                  disabled={(dialog.kind === 'move' && !target) || (dialog.kind === 'delete' && dialog.account.members > 0 && !target)}
                >
                  {dialog.kind === 'rename' ? 'Rename' : dialog.kind === 'move' ? 'Move' : 'Delete sub-account'}
                </Button>
              </Group>
            </Stack>
          </form>
        )}
      </Modal>
    </Stack>
  );
}
