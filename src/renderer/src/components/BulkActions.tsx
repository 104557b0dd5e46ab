import { Button, Group, Modal, Paper, Progress, Select, Stack, Text, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useId, useState, type ReactNode } from 'react';
import { BULK_ACTIONS, bulkSummary, mergeSkips, type BulkAction, type SkipCount } from '../../../shared/bulk';
import { STATUS_LABELS, type MemberStatus } from '../../../shared/statuses';
import type { Me, MemberRow, RoleRow, RouterInputs } from '../api-types';
import { errorMessage, useTRPCClient } from '../trpc';
import { formatCount } from './labels';

/**
 * The members' bulk actions: a selection is either ids (rows ticked) or every member matching the
 * list's filter, resolved on the server. Each action runs in batches (one transaction each) with a
 * progress bar, and ends with a toast saying what was done and what was left alone, and why.
 */

export type MemberFilterInput = RouterInputs['members']['countMatching'];
export type Selection = { kind: 'ids'; ids: ReadonlySet<number> } | { kind: 'filter'; filter: MemberFilterInput; count: number };

export const BULK_LABELS: Record<BulkAction, string> = {
  setRoles: 'Apply role',
  resend: 'Resend',
  reinvite: 'Re-invite',
  cancel: 'Cancel invitations',
  deactivate: 'Deactivate',
  reactivate: 'Reactivate',
  passwordReset: 'Password reset',
  delete: 'Delete',
};

const CONFIRM: Partial<Record<BulkAction, string>> = {
  cancel: 'Their invitation links will stop working.',
  deactivate: 'They will no longer be able to sign in until reactivated.',
  delete: 'They will lose all access and disappear from the lists. Their addresses can be invited again later.',
};

const PERMISSION: Record<BulkAction, { permission: Me['permissions'][number]; name: string }> = {
  setRoles: { permission: 'members.edit', name: 'Edit members' },
  resend: { permission: 'members.invite', name: 'Invite' },
  reinvite: { permission: 'members.invite', name: 'Invite' },
  cancel: { permission: 'members.invite', name: 'Invite' },
  deactivate: { permission: 'members.deactivate', name: 'Deactivate' },
  reactivate: { permission: 'members.deactivate', name: 'Deactivate' },
  passwordReset: { permission: 'members.edit', name: 'Edit members' },
  delete: { permission: 'members.delete', name: 'Delete' },
};

/** The row action (as the server lists it for each row) that says whether a bulk action applies. */
const ROW_ACTION: Record<BulkAction, string> = { setRoles: 'edit', resend: 'resend', reinvite: 'reinvite', cancel: 'cancel', deactivate: 'deactivate', reactivate: 'reactivate', passwordReset: 'passwordReset', delete: 'delete' };
const SELF_MATTERS = new Set<BulkAction>(['setRoles', 'deactivate', 'delete']);

export function selectionCount(s: Selection): number {
  return s.kind === 'ids' ? s.ids.size : s.count;
}

function plural(n: number, one: string, many = `${one}s`) {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

interface Progress {
  label: string;
  done: number;
  total: number;
}

/** Runs a bulk action batch after batch; one toast at the end. */
export function useBulkRunner(onFinished: () => void) {
  const client = useTRPCClient();
  const [progress, setProgress] = useState<Progress | null>(null);
  const run = async (action: BulkAction, selection: Selection, roleIds: number[] = []) => {
    const total = selectionCount(selection);
    const base = selection.kind === 'ids' ? { ids: [...selection.ids] } : { filter: selection.filter };
    let applied = 0;
    let skipped: SkipCount[] = [];
    let after: number | null = null;
    let done = 0;
    setProgress({ label: BULK_LABELS[action], done, total });
    try {
      for (;;) {
        const r = await client.members.bulk[action].mutate({ selection: { ...base, after }, roleIds });
        applied += r.applied;
        skipped = mergeSkips(skipped, r.skipped);
        done += r.processed;
        setProgress({ label: BULK_LABELS[action], done: Math.min(done, total), total: Math.max(total, done) });
        if (r.next === null) break;
        after = r.next;
      }
      notifications.show({ color: skipped.length ? 'yellow' : 'green', title: applied ? 'Done' : 'Nothing was changed', message: `${bulkSummary(action, applied, skipped)}.`, autoClose: skipped.length ? 12_000 : 5_000 });
    } catch (e) {
      notifications.show({ color: 'red', title: applied ? `Stopped after ${plural(applied, 'change')}` : 'Nothing was changed', message: errorMessage(e) });
    } finally {
      setProgress(null);
      onFinished();
    }
  };
  return { progress, run };
}

interface BulkBarProps {
  me: Me;
  selection: Selection;
  /** The loaded rows: for an ids selection, what the selected members are; for a filter, a sample of its tab. */
  rows: MemberRow[];
  roles: RoleRow[];
  progress: Progress | null;
  onRun(action: BulkAction, roleIds?: number[]): void;
  onClear(): void;
}

/** The bar above the table while members are selected: the eight actions, each saying why when it cannot act. */
export function BulkBar({ me, selection, rows, roles, progress, onRun, onClear }: BulkBarProps) {
  const [role, setRole] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<BulkAction | null>(null);
  const count = selectionCount(selection);

  const whyNot = (action: BulkAction): string | null => {
    const need = PERMISSION[action];
    if (!me.permissions.includes(need.permission)) return `You need the “${need.name}” permission for this.`;
    if (action === 'setRoles' && !role) return 'Choose a role first.';
    const rowAction = ROW_ACTION[action];
    if (selection.kind === 'filter') {
      // A status tab: every matching member has that status, as the loaded rows show.
      const status = selection.filter.status;
      // Rows carry what this admin may do and what their status allows but is refused to them: together, what the status allows.
      if (status && rows[0] && !rows.some((r) => r.actions.includes(rowAction) || r.refused.some((x) => x.action === rowAction))) return `${BULK_LABELS[action]} does not apply to ${STATUS_LABELS[status].toLowerCase()} members.`;
      return null;
    }
    const chosen = rows.filter((r) => selection.ids.has(r.id));
    const fits = chosen.filter((r) => r.actions.includes(rowAction) && !(SELF_MATTERS.has(action) && r.id === me.memberId));
    if (fits.length > 0 || chosen.length < selection.ids.size) return null;
    if (SELF_MATTERS.has(action) && chosen.length === 1 && chosen[0]!.id === me.memberId)
      return action === 'setRoles' ? 'Nobody can change their own roles: unselect your own row.' : `You cannot ${action} yourself: unselect your own row.`;
    // One member the server's rules keep this admin from acting on: its reason ("… has more privileges than you").
    const refusal = chosen.length === 1 ? chosen[0]!.refused.find((x) => x.action === rowAction) : undefined;
    if (refusal) return refusal.reason;
    const byStatus = new Map<MemberStatus, number>();
    let self = 0;
    for (const r of chosen) {
      if (SELF_MATTERS.has(action) && r.id === me.memberId) self++;
      else byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
    }
    const parts = [...byStatus].map(([s, n]) => `${n} ${STATUS_LABELS[s].toLowerCase()}`);
    if (self) parts.push('yourself');
    return `${BULK_LABELS[action]} applies to none of the selected members (${parts.join(', ')}).`;
  };

  const start = (action: BulkAction) => {
    if (CONFIRM[action]) return setConfirm(action);
    onRun(action, action === 'setRoles' && role ? [Number(role)] : []);
  };
  const busy = progress !== null;

  return (
    <Paper withBorder p="xs" role="region" aria-label="Bulk actions">
      <Group gap="xs" wrap="wrap">
        <Text size="sm" fw={600}>{formatCount(count)} selected</Text>
        <Select aria-label="Change role to" placeholder="Change role to…" size="xs" w={170} data={grantableOptions(roles)} value={role} onChange={setRole} title={notGrantable(roles) ?? undefined} />
        {BULK_ACTIONS.map((a) => (
          <ReasonButton key={a} reason={busy ? 'Wait for the running action to finish.' : whyNot(a)} color={a === 'delete' ? 'red' : CONFIRM[a] ? 'orange' : undefined} onClick={() => start(a)}>
            {BULK_LABELS[a]}
          </ReasonButton>
        ))}
        <Button size="xs" variant="subtle" onClick={onClear} disabled={busy}>Clear selection</Button>
      </Group>
      {progress && (
        <Stack gap={4} mt="xs">
          <Text size="xs" c="dimmed">{progress.label}: {formatCount(progress.done)} of {formatCount(progress.total)}</Text>
          <Progress value={progress.total ? (progress.done / progress.total) * 100 : 0} aria-label="Bulk action progress" animated />
        </Stack>
      )}
      <Modal opened={confirm !== null} onClose={() => setConfirm(null)} title={confirm ? `${BULK_LABELS[confirm]}: ${plural(count, 'member')}?` : ''} centered>
        <Text size="sm" mb="xs">{confirm ? CONFIRM[confirm] : ''}</Text>
        <Text size="sm" c="dimmed" mb="lg">Members this does not apply to are left alone; you will see how many and why.</Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={() => setConfirm(null)}>Keep</Button>
          <Button
            color="red"
            onClick={() => {
              const a = confirm!;
              setConfirm(null);
              onRun(a);
            }}
          >
            {confirm ? `${BULK_LABELS[confirm]} ${plural(count, 'member')}` : ''}
          </Button>
        </Group>
      </Modal>
    </Paper>
  );
}

/** The roles the signed-in admin may hand out (the server says which, roles.list's grantRefusal). */
function grantableOptions(roles: RoleRow[]) {
  return roles.filter((r) => r.grantRefusal === null).map((r) => ({ value: String(r.id), label: r.name }));
}

/** "Owner is not offered: only an Owner can grant the Owner role." for the roles left out, or null. */
function notGrantable(roles: RoleRow[]): string | null {
  const out = roles.filter((r) => r.grantRefusal !== null);
  if (out.length === 0) return null;
  return `Not offered: ${out.map((r) => `${r.name} (${r.grantRefusal})`).join(' ')}`;
}

/** "Change role…" from a row's ⋯ menu: the chosen role replaces the member's roles at the company account. */
export function RoleChangeModal({ member, roles, onClose, onApply }: { member: { id: number; email: string } | null; roles: RoleRow[]; onClose(): void; onApply(id: number, roleId: number): void }) {
  const [role, setRole] = useState<string | null>(null);
  return (
    <Modal opened={member !== null} onClose={onClose} title={member ? `Change the role of ${member.email}` : ''} centered>
      <Select label="New role" placeholder="Choose a role" data={grantableOptions(roles)} value={role} onChange={setRole} mb={notGrantable(roles) ? 'xs' : 'lg'} data-autofocus />
      {notGrantable(roles) && <Text size="xs" c="dimmed" mb="lg">{notGrantable(roles)}</Text>}
      <Group justify="flex-end">
        <Button variant="default" onClick={onClose}>Cancel</Button>
        <ReasonButton
          size="sm"
          reason={role ? null : 'Choose a role first.'}
          onClick={() => {
            if (member && role) onApply(member.id, Number(role));
            setRole(null);
          }}
        >
          Change role
        </ReasonButton>
      </Group>
    </Modal>
  );
}

/** A button that, when it cannot act, stays focusable and says why (tooltip and description). */
export function ReasonButton({ reason, color, size = 'xs', onClick, children }: { reason: string | null; color?: string; size?: 'xs' | 'sm'; onClick(): void; children: ReactNode }) {
  const reasonId = useId();
  if (!reason)
    return (
      <Button size={size} variant="light" color={color} onClick={onClick}>
        {children}
      </Button>
    );
  return (
    <>
      <Tooltip label={reason} multiline w={300} withArrow>
        <Button size={size} variant="light" color={color} data-disabled aria-disabled="true" aria-describedby={reasonId} onClick={(e) => e.preventDefault()}>
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
