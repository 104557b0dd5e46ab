import { Alert, Button, Checkbox, Group, Menu, Modal, Paper, ScrollArea, Stack, Switch, Table, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useBlocker } from 'react-router';
import { isConsolePermission } from '../../../shared/permissions';
import { ConfirmModal } from '../components/ConfirmModal';
import { RoleDetails } from '../components/RoleDetails';
import { refusal } from '../form-errors';
import { errorMessage, isElectron, useTRPC } from '../trpc';
import type { RoleRow } from '../api-types';
import { useMe } from '../me';

type Confirm = { kind: 'role'; role: RoleRow } | { kind: 'module'; key: string; label: string } | null;

type NameDialog = { kind: 'create' } | { kind: 'rename' | 'copy'; id: number; name: string; version?: number } | null;

export function RolesPage() {
  const me = useMe();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const roles = useQuery(trpc.roles.list.queryOptions());
  const catalog = useQuery(trpc.roles.catalog.queryOptions());
  const canManage = me.permissions.includes('roles.manage');
  // The matrix being edited: role id -> permissions; saved at once.
  const [draft, setDraft] = useState<Record<number, string[]>>({});
  // The version each drafted role had when its first box was changed: a save over another admin's newer one is refused (team mode).
  const [draftVersion, setDraftVersion] = useState<Record<number, number>>({});
  const [dialog, setDialog] = useState<NameDialog>(null);
  const [name, setName] = useState('');
  const [moduleOpen, setModuleOpen] = useState(false);
  const [mod, setMod] = useState({ key: '', name: '', adminOnly: false });
  const [confirm, setConfirm] = useState<Confirm>(null);
  // The role buttons opening menus: focus is put back on one before its confirmation opens, so that
  // closing the confirmation returns there (not to the menu item, gone by then).
  const roleButtons = useRef(new Map<number, HTMLButtonElement>());

  const dirty = useMemo(
    () => (roles.data ?? []).filter((r) => r.id in draft && [...draft[r.id]!].sort().join() !== [...r.permissions].sort().join()),
    [roles.data, draft],
  );
  // Unsaved boxes are not lost silently: leaving for another section asks first, and so does closing or
  // reloading the page in a browser. Not in the desktop window: there a cancelled unload silently keeps the
  // window from closing (Electron shows no dialog for it).
  const unsaved = dirty.length > 0;
  const blocker = useBlocker(({ currentLocation, nextLocation }) => unsaved && currentLocation.pathname !== nextLocation.pathname);
  useEffect(() => {
    if (!unsaved || isElectron) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [unsaved]);
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.roles.pathKey() });
  const ok = (title: string, message = '') => notifications.show({ color: 'green', title, message });
  const fail = (e: unknown) => notifications.show({ color: 'red', title: 'Not saved', message: errorMessage(e) });

  const save = useMutation(trpc.roles.setPermissions.mutationOptions({ onSuccess: (r) => { ok('Permissions saved', `${r.changed} role${r.changed === 1 ? '' : 's'} changed`); setDraft({}); setDraftVersion({}); void refresh(); }, onError: fail }));
  const create = useMutation(trpc.roles.create.mutationOptions({ onSuccess: (r) => { ok('Role created', r.name); closeNameDialog(); void refresh(); } }));
  const rename = useMutation(trpc.roles.rename.mutationOptions({ onSuccess: (r) => { ok('Role renamed', r.name); closeNameDialog(); void refresh(); } }));
  const copy = useMutation(trpc.roles.copy.mutationOptions({ onSuccess: (r) => { ok('Role copied', r.name); closeNameDialog(); void refresh(); } }));
  const remove = useMutation(trpc.roles.delete.mutationOptions({ onSuccess: () => { ok('Role deleted'); setConfirm(null); void refresh(); }, onError: (e) => { setConfirm(null); fail(e); } }));
  const addModule = useMutation(trpc.modules.add.mutationOptions({ onSuccess: (m) => { ok('Module added', m.name); closeModuleDialog(); setMod({ key: '', name: '', adminOnly: false }); void refresh(); } }));
  const removeModule = useMutation(trpc.modules.remove.mutationOptions({ onSuccess: () => { ok('Module removed'); setConfirm(null); void refresh(); }, onError: (e) => { setConfirm(null); fail(e); } }));
  const nameMutation = dialog?.kind === 'create' ? create : dialog?.kind === 'rename' ? rename : copy;
  const nameRefused = refusal(nameMutation.error, ['name']);
  const moduleRefused = refusal(addModule.error, ['key', 'name']);
  // A dialog opens on what the admin does next: a refusal from its last opening is not carried over.
  const closeNameDialog = () => {
    setDialog(null);
    create.reset();
    rename.reset();
    copy.reset();
  };
  const closeModuleDialog = () => {
    setModuleOpen(false);
    addModule.reset();
  };

  const current = (r: RoleRow) => draft[r.id] ?? r.permissions;
  const toggle = (r: RoleRow, key: string, on: boolean) => {
    setDraftVersion((v) => (r.id in v ? v : { ...v, [r.id]: r.version }));
    setDraft((d) => {
      const now = d[r.id] ?? r.permissions;
      return { ...d, [r.id]: on ? [...now, key] : now.filter((p) => p !== key) };
    });
  };

  /** Why a box cannot be changed by this person, or null when it can. */
  const lockedWhy = (r: RoleRow, key: string, label: string): string | null => {
    if (!canManage) return 'You do not manage roles.';
    if (r.builtin === 'owner') return 'The Owner role always holds every permission.';
    if (isConsolePermission(key) && !me.orgPermissions.includes(key)) return `You do not hold “${label}” yourself, so you cannot give or take it away.`;
    return null;
  };
  const holders = (key: string) => list.filter((r) => r.permissions.includes(key));
  const confirmText = (c: NonNullable<Confirm>): string => {
    if (c.kind === 'role')
      return `Delete the role ${c.role.name}? No member holds it. Its permissions go with it; this cannot be undone.`;
    const rs = holders(c.key);
    const people = rs.reduce((n, r) => n + r.members, 0);
    return rs.length === 0
      ? `Remove the module ${c.label}? No role gives it. It disappears from the matrix.`
      : `Remove the module ${c.label}? ${rs.map((r) => r.name).join(', ')} give${rs.length === 1 ? 's' : ''} it to ${people} member${people === 1 ? '' : 's'} (counted once per role held), who lose it, as does anyone granted it on its own.`;
  };

  const groups = [
    { title: 'Console', rows: (catalog.data?.console ?? []).map((p) => ({ ...p, module: false })) },
    { title: 'Product modules', rows: (catalog.data?.modules ?? []).map((p) => ({ ...p, module: true })) },
  ];
  const list = roles.data ?? [];

  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={1} size="h2">Roles & permissions</Title>
          <Text c="dimmed" size="sm">What each role may do in the admin console and in your product modules.</Text>
        </div>
        {canManage && (
          <Group gap="xs">
            <Button variant="default" onClick={() => setModuleOpen(true)}>Add module</Button>
            <Button variant="default" onClick={() => { setName(''); setDialog({ kind: 'create' }); }}>New role</Button>
            <Button disabled={dirty.length === 0} loading={save.isPending} onClick={() => save.mutate({ roles: dirty.map((r) => ({ id: r.id, permissions: draft[r.id] ?? [], version: draftVersion[r.id] ?? r.version })) })}>
              Save permissions
            </Button>
          </Group>
        )}
      </Group>
      <Paper withBorder>
        <ScrollArea>
          <Table aria-label="Permission matrix" striped miw={600}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Permission</Table.Th>
                {list.map((r) => (
                  <Table.Th key={r.id} ta="center">
                    {canManage ? (
                      <Menu position="bottom" withinPortal>
                        <Menu.Target>
                          <Button variant="subtle" size="compact-sm" aria-label={`Role ${r.name}`} ref={(el) => { if (el) roleButtons.current.set(r.id, el); }}>{r.name}</Button>
                        </Menu.Target>
                        <Menu.Dropdown>
                          <Menu.Label>{r.members} member{r.members === 1 ? '' : 's'}</Menu.Label>
                          {!r.builtin && <Menu.Item onClick={() => { setName(r.name); setDialog({ kind: 'rename', id: r.id, name: r.name, version: r.version }); }}>Rename</Menu.Item>}
                          <Menu.Item onClick={() => { setName(`${r.name} copy`); setDialog({ kind: 'copy', id: r.id, name: r.name }); }}>Copy</Menu.Item>
                          {!r.builtin && (r.members > 0 ? (
                            <Menu.Item disabled>Delete: held by {r.members} member{r.members === 1 ? '' : 's'}, give them another role first</Menu.Item>
                          ) : (
                            <Menu.Item color="red" onClick={() => { roleButtons.current.get(r.id)?.focus(); setConfirm({ kind: 'role', role: r }); }}>Delete…</Menu.Item>
                          ))}
                        </Menu.Dropdown>
                      </Menu>
                    ) : (
                      r.name
                    )}
                  </Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            {groups.map((g) => (
              <Table.Tbody key={g.title} aria-label={g.title}>
                <Table.Tr>
                  <Table.Th colSpan={list.length + 1}><Text fw={700} size="sm">{g.title}</Text></Table.Th>
                </Table.Tr>
                {g.rows.map((p) => (
                  <Table.Tr key={p.key}>
                    <Table.Td>
                      <Group gap={6} wrap="nowrap">
                        <Text size="sm">{p.label}</Text>
                        {'adminOnly' in p && p.adminOnly && <Text size="xs" c="dimmed">(admin-only)</Text>}
                        {p.module && canManage && (
                          <Button size="compact-xs" variant="subtle" color="red" aria-label={`Remove module ${p.label}`} onClick={() => setConfirm({ kind: 'module', key: p.key, label: p.label })}>×</Button>
                        )}
                      </Group>
                    </Table.Td>
                    {list.map((r) => {
                      const why = lockedWhy(r, p.key, p.label);
                      const whyId = `why-${r.id}-${p.key}`;
                      return (
                        <Table.Td key={r.id} ta="center" title={why ?? undefined}>
                          <Checkbox
                            aria-label={`${r.name}: ${p.label}`}
                            aria-describedby={why ? whyId : undefined}
                            checked={current(r).includes(p.key)}
                            disabled={why !== null}
                            onChange={(e) => toggle(r, p.key, e.currentTarget.checked)}
                            style={{ display: 'inline-block' }}
                          />
                          {why && <span id={whyId} className="visually-hidden">{why}</span>}
                        </Table.Td>
                      );
                    })}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            ))}
          </Table>
        </ScrollArea>
      </Paper>
      {canManage && <Text size="xs" c="dimmed">Greyed boxes cannot be changed by you: hover one to see why.</Text>}
      <ConfirmModal
        opened={confirm !== null}
        title={confirm?.kind === 'role' ? `Delete the role ${confirm.role.name}` : confirm?.kind === 'module' ? `Remove the module ${confirm.label}` : ''}
        message={confirm ? confirmText(confirm) : ''}
        confirmLabel={confirm?.kind === 'role' ? 'Delete role' : 'Remove module'}
        loading={remove.isPending || removeModule.isPending}
        onCancel={() => setConfirm(null)}
        onConfirm={() => {
          if (confirm?.kind === 'role') remove.mutate({ id: confirm.role.id });
          else if (confirm?.kind === 'module') removeModule.mutate({ key: confirm.key });
        }}
      />
      <ConfirmModal
        opened={blocker.state === 'blocked'}
        title="Unsaved changes"
        message={`Discard your unsaved changes to the roles? ${dirty.map((r) => r.name).join(', ')} ${dirty.length === 1 ? 'has' : 'have'} boxes changed but not saved.`}
        confirmLabel="Discard"
        cancelLabel="Stay"
        loading={false}
        onCancel={() => blocker.reset?.()}
        onConfirm={() => blocker.proceed?.()}
      />
      {dirty.length > 0 && <Text size="sm" c="orange">Unsaved changes in {dirty.map((r) => r.name).join(', ')}.</Text>}
      <RoleDetails roles={list} canManage={canManage} canViewMembers={me.permissions.includes('members.view')} />

      <Modal opened={dialog !== null} onClose={closeNameDialog} title={dialog?.kind === 'create' ? 'New role' : dialog?.kind === 'rename' ? `Rename ${dialog.name}` : `Copy ${dialog?.kind === 'copy' ? dialog.name : ''}`}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (dialog?.kind === 'create') create.mutate({ name, permissions: [] });
            else if (dialog?.kind === 'rename') rename.mutate({ id: dialog.id, name, version: dialog.version });
            else if (dialog?.kind === 'copy') copy.mutate({ id: dialog.id, name });
          }}
        >
          <Stack>
            <TextInput label="Role name" value={name} onChange={(e) => { setName(e.currentTarget.value); nameMutation.reset(); }} error={nameRefused?.field ? nameRefused.message : undefined} required data-autofocus />
            {nameRefused && !nameRefused.field && <Alert color="red">{nameRefused.message}</Alert>}
            <Group justify="flex-end">
              <Button variant="default" onClick={closeNameDialog}>Cancel</Button>
              <Button type="submit" loading={nameMutation.isPending}>{dialog?.kind === 'create' ? 'Create role' : dialog?.kind === 'rename' ? 'Rename role' : 'Copy role'}</Button>
            </Group>
          </Stack>
        </form>
      </Modal>

      <Modal opened={moduleOpen} onClose={closeModuleDialog} title="Add a product module">
        <form onSubmit={(e) => { e.preventDefault(); addModule.mutate(mod); }}>
          <Stack>
            <TextInput label="Module name" value={mod.name} onChange={(e) => { const v = e.currentTarget.value; setMod((m) => ({ ...m, name: v })); addModule.reset(); }} error={moduleRefused?.field === 'name' ? moduleRefused.message : undefined} required />
            <TextInput label="Module key" description="Letters, digits and dashes, e.g. reports" value={mod.key} onChange={(e) => { const v = e.currentTarget.value; setMod((m) => ({ ...m, key: v })); addModule.reset(); }} error={moduleRefused?.field === 'key' ? moduleRefused.message : undefined} required />
            <Switch label="Admin-only (not granted to the Member role)" checked={mod.adminOnly} onChange={(e) => { const v = e.currentTarget.checked; setMod((m) => ({ ...m, adminOnly: v })); }} />
            {moduleRefused && !moduleRefused.field && <Alert color="red">{moduleRefused.message}</Alert>}
            <Group justify="flex-end">
              <Button variant="default" onClick={closeModuleDialog}>Cancel</Button>
              <Button type="submit" loading={addModule.isPending}>Add module</Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </Stack>
  );
}
