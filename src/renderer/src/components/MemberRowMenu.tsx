import { Menu, Text } from '@mantine/core';
import { useRef, useState } from 'react';
import type { MemberRow } from '../api-types';
import { ACTION_LABELS, DESTRUCTIVE } from './labels';

/** The row's menu: the server's actions for its status, with "Change role…" after Edit where editing applies. */
function rowMenu(actions: string[], rolesAllowed: boolean): string[] {
  return actions.flatMap((a) => (a === 'edit' && rolesAllowed ? ['edit', 'changeRole'] : [a]));
}

/** Actions people look for: when they are left out of a row's menu, the menu says why. */
const COMMON = new Set(['deactivate', 'delete', 'reactivate', 'resend', 'edit']);

/** Refusals with the same reason said once: "Deactivate and Delete are not offered: …". */
function groupRefusals(refused: { action: string; reason: string }[]): { actions: string[]; reason: string }[] {
  const by = new Map<string, string[]>();
  for (const r of refused) by.set(r.reason, [...(by.get(r.reason) ?? []), r.action]);
  return [...by].map(([reason, actions]) => ({ reason, actions }));
}

function listed(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/**
 * The ⋯ menu: a plain button until first opened. A Mantine Menu (popover, floating position, focus
 * trap) per row cost more than the rest of the row, so it is mounted only for the row it is opened on.
 */
export function RowMenu({ member: m, onRun }: { member: MemberRow; onRun(action: string): void }) {
  const [mounted, setMounted] = useState(false);
  const [opened, setOpened] = useState(false);
  // Focused again before an action runs (as on the Roles and Accounts pages): a dialog it opens gives
  // the focus back here on closing, not to the menu item, gone by then.
  const button = useRef<HTMLButtonElement>(null);
  // A row element reused for another member (VirtualTable's recycle) starts with its menu unmounted;
  // the button itself stays (a key per member would build a new one for each row scrolled in).
  const [memberId, setMemberId] = useState(m.id);
  if (memberId !== m.id) {
    setMemberId(m.id);
    setMounted(false);
    setOpened(false);
  }
  const target = (
    <button
      ref={button}
      type="button"
      className="cell-icon-button"
      aria-label={`Actions for ${m.email}`}
      aria-haspopup="menu"
      onClick={
        mounted
          ? undefined
          : () => {
              setMounted(true);
              setOpened(true);
            }
      }
    >
      ⋯
    </button>
  );
  if (!mounted) return target;
  // Only what the signed-in admin may do here; the common actions left out say why, below a divider.
  const whyNot = groupRefusals([...m.refused.filter((r) => COMMON.has(r.action)), ...(m.rolesRefusal && m.actions.includes('edit') ? [{ action: 'changeRole', reason: m.rolesRefusal }] : [])]);
  return (
    <Menu position="bottom-end" withinPortal opened={opened} onChange={setOpened}>
      <Menu.Target>{target}</Menu.Target>
      <Menu.Dropdown maw={320}>
        {rowMenu(m.actions, m.rolesRefusal === null).map((a) => (
          <Menu.Item key={a} color={DESTRUCTIVE.has(a) ? 'red' : undefined} onClick={() => { button.current?.focus(); onRun(a); }}>
            {a === 'changeRole' ? 'Change role…' : (ACTION_LABELS[a] ?? a)}
          </Menu.Item>
        ))}
        {m.actions.length === 0 && <Text size="xs" c="dimmed" px="sm" py={6}>Nothing you may do here.</Text>}
        {whyNot.length > 0 && <Menu.Divider />}
        {whyNot.map((r) => (
          <Text key={r.reason} size="xs" c="dimmed" px="sm" py={4} data-refused={r.actions.join(' ')}>
            <b>{listed(r.actions.map((a) => (a === 'changeRole' ? 'Change role' : (ACTION_LABELS[a] ?? a))))}</b> {r.actions.length === 1 ? 'is' : 'are'} not offered: {r.reason}
          </Text>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}
