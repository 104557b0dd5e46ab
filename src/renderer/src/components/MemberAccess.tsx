import { ActionIcon, Alert, Button, Checkbox, Group, MultiSelect, Select, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { MemberDetail } from '../api-types';
import { useMe } from '../me';
import { refusal as refusalOf } from '../form-errors';
import { useTRPC } from '../trpc';

/** The access editor's own fields (services/access.ts accessInput): a refusal of one of them is shown without its path. */
const ACCESS_FIELDS = ['roles', 'permissions', 'accountIds'] as const;

interface RoleAt {
  roleId: string | null;
  accountId: string | null;
}

/** A member's roles at accounts, extra single permissions and sub-account access, with why each permission holds. */
export function MemberAccess({ id, onEdited }: { id: number; onEdited(edited: boolean): void }) {
  const trpc = useTRPC();
  const detail = useQuery(trpc.members.detail.queryOptions({ id }));
  const m = detail.data;
  if (!m) return null;
  // A fresh form whenever the saved access changes.
  return <AccessForm key={JSON.stringify([m.id, m.roles, m.permissions, m.accountIds])} m={m} onEdited={onEdited} />;
}

type Saved = MemberDetail;

/** The editor's state for the saved access. */
function draftOf(m: Saved) {
  return { roleRows: m.roles.map((r): RoleAt => ({ roleId: String(r.id), accountId: String(r.accountId) })), perms: m.permissions, access: m.accountIds.map(String) };
}

/** A draft compared by content: boxes ticked and unticked again, or picked in another order, are no change. */
function draftKey(d: ReturnType<typeof draftOf>): string {
  return JSON.stringify([d.roleRows, d.perms.map((p) => `${p.permission}@${p.accountId}`).sort(), [...d.access].sort()]);
}

function AccessForm({ m, onEdited }: { m: Saved; onEdited(edited: boolean): void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const me = useMe();
  const roles = useQuery(trpc.roles.list.queryOptions());
  const catalog = useQuery(trpc.roles.catalog.queryOptions());
  const accounts = useQuery(trpc.accounts.list.queryOptions());
  const root = accounts.data?.find((a) => a.parentId === null);

  const [roleRows, setRoleRows] = useState<RoleAt[]>(() => draftOf(m).roleRows);
  const [perms, setPerms] = useState(() => draftOf(m).perms);
  const [access, setAccess] = useState<string[]>(() => draftOf(m).access);
  const [permAt, setPermAt] = useState<string | null>(null);
  // Saved but not yet read back (the panel refetches the member): no longer unsaved.
  const [savedDraft, setSavedDraft] = useState<string | null>(null);
  const current = draftKey({ roleRows, perms, access });
  const edited = current !== draftKey(draftOf(m)) && current !== savedDraft;
  useEffect(() => {
    onEdited(edited);
    return () => onEdited(false);
  }, [edited, onEdited]);

  // A refusal, with the draft it refused: kept here (not the mutation's error) so a newer member can clear it.
  const [refusal, setRefusal] = useState<{ error: unknown; draft: string } | null>(null);
  const save = useMutation(
    trpc.members.setAccess.mutationOptions({
      onSuccess: () => {
        notifications.show({ color: 'green', title: 'Access saved', message: m?.email ?? '' });
        void qc.invalidateQueries({ queryKey: trpc.members.pathKey() });
      },
    }),
  );
  // The member changed underneath (another action, another admin: a new version). A refusal said then
  // no longer applies, and a refused draft left as it was goes back to what is saved, which the badges
  // above show; a draft edited since the refusal is the admin's work in progress and stays.
  const [seenVersion, setSeenVersion] = useState(m.version);
  if (seenVersion !== m.version) {
    setSeenVersion(m.version);
    if (refusal) {
      setRefusal(null);
      if (refusal.draft === current) {
        const saved = draftOf(m);
        setRoleRows(saved.roleRows);
        setPerms(saved.perms);
        setAccess(saved.access);
      }
    }
  }

  if (!root) return null;
  const self = me.memberId === m.id;
  const editable = me.permissions.includes('members.edit') && !self && m.status !== 'deleted';
  const accountOptions = (accounts.data ?? []).map((a) => ({ value: String(a.id), label: a.path }));
  const subAccountOptions = accountOptions.filter((a) => a.value !== String(root.id));
  // Roles the admin may not hand out (the Owner role for an Admin) are listed but disabled.
  const roleOptions = (roles.data ?? []).map((r) => ({ value: String(r.id), label: r.grantRefusal ? `${r.name} (not yours to grant)` : r.name, disabled: r.grantRefusal !== null && !m.roles.some((x) => x.id === r.id) }));
  const at = Number(permAt ?? root.id);
  const labelOf = new Map([...(catalog.data?.console ?? []), ...(catalog.data?.modules ?? [])].map((p) => [p.key as string, p.label]));
  const allPerms = [...(catalog.data?.console ?? []), ...(catalog.data?.modules ?? [])];
  // Held anyway through a role: said beside the unchecked box, so an empty box does not read as "not held".
  // The server's rule (grants.ts): one grants only what one holds at that account.
  const grantable = (heldAt: 'all' | number[]) => heldAt === 'all' || heldAt.includes(at);
  const heldByRole = new Set(m.effective.filter((e) => e.sources.some((s) => s.startsWith('granted by role'))).map((e) => e.permission));

  const submit = () => {
    setRefusal(null);
    save.mutate(
      {
        id: m.id,
        roles: roleRows.filter((r) => r.roleId && r.accountId).map((r) => ({ roleId: Number(r.roleId), accountId: Number(r.accountId) })),
        permissions: perms,
        accountIds: access.map(Number),
      },
      { onSuccess: () => setSavedDraft(current), onError: (error) => setRefusal({ error, draft: current }) },
    );
  };

  return (
    <Stack gap="sm" aria-label="Access">
      <Title order={3} size="h5">Roles and access</Title>
      {self && <Text size="xs" c="dimmed">You cannot change your own roles or permissions: ask another admin.</Text>}
      <Stack gap={6}>
        {roleRows.map((r, i) => (
          // Each role a named group ("Role 2"): its two pickers read "Role" and "Applies at account" within it.
          <Group key={i} gap="xs" wrap="nowrap" align="flex-end" role="group" aria-label={`Role ${i + 1}`}>
            <Select size="xs" label="Role" data={roleOptions} value={r.roleId} disabled={!editable} onChange={(v) => setRoleRows((rows) => rows.map((x, j) => (j === i ? { ...x, roleId: v } : x)))} />
            <Select size="xs" label="Applies at account" data={accountOptions} value={r.accountId} disabled={!editable} onChange={(v) => setRoleRows((rows) => rows.map((x, j) => (j === i ? { ...x, accountId: v } : x)))} />
            {editable && (
              <ActionIcon variant="subtle" color="red" aria-label={`Remove role ${i + 1}`} onClick={() => setRoleRows((rows) => rows.filter((_, j) => j !== i))}>×</ActionIcon>
            )}
          </Group>
        ))}
        {editable && (
          <Button size="xs" variant="light" w="fit-content" onClick={() => setRoleRows((rows) => [...rows, { roleId: null, accountId: String(root.id) }])}>
            Add a role
          </Button>
        )}
      </Stack>
      <MultiSelect size="xs" label="Sub-account access" data={subAccountOptions} value={access} onChange={setAccess} disabled={!editable} clearable />
      <div>
        <Select size="xs" label="Single permissions at" data={accountOptions} value={permAt ?? String(root.id)} onChange={setPermAt} allowDeselect={false} />
        <SimpleGrid cols={2} spacing={4} mt={6}>
          {allPerms.map((p) => (
            <Checkbox
              key={p.key}
              size="xs"
              // The group says "Single permissions at"; each box shows only the label (its accessible name keeps the context).
              label={p.label}
              aria-label={`Single permission: ${p.label}`}
              description={heldByRole.has(p.key) && !perms.some((x) => x.permission === p.key && x.accountId === at) ? 'Held through a role' : undefined}
              disabled={!editable || (!grantable(p.heldAt) && !perms.some((x) => x.permission === p.key && x.accountId === at))}
              title={grantable(p.heldAt) ? undefined : 'You do not hold this permission here yourself, so you cannot grant it.'}
              checked={perms.some((x) => x.permission === p.key && x.accountId === at)}
              onChange={(e) => {
                const on = e.currentTarget.checked;
                setPerms((ps) => (on ? [...ps, { permission: p.key, accountId: at }] : ps.filter((x) => !(x.permission === p.key && x.accountId === at))));
              }}
            />
          ))}
        </SimpleGrid>
      </div>
      {/* Under the editor that holds the roles, access and permissions: their path ("roles: …") goes. */}
      {refusal && <Alert color="red">{refusalOf(refusal.error, ACCESS_FIELDS)?.message}</Alert>}
      {editable && (
        <Button size="xs" w="fit-content" onClick={submit} loading={save.isPending}>
          Save access
        </Button>
      )}
      <div>
        <Text size="xs" c="dimmed" fw={600} tt="uppercase">Why they hold each permission</Text>
        <Stack gap={2} mt={4} role="list" aria-label="Effective permissions">
          {m.effective.map((e) => (
            <Text key={e.permission} size="xs" role="listitem">
              <b>{labelOf.get(e.permission) ?? e.permission}</b> — {e.sources.join('; ')}
            </Text>
          ))}
        </Stack>
      </div>
    </Stack>
  );
}
