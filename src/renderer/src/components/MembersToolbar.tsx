import { Badge, Button, Group, Select, Tabs, Text, TextInput, Title } from '@mantine/core';
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import { LISTED_STATUSES, type MemberStatus } from '../../../shared/statuses';
import type { MemberSort } from '../api-types';
import { STATUS_LABELS, formatCount } from './labels';

/** The members screen's title, status tabs with their counts, search and filters (pages/Members.tsx). */

export type Patch = Record<string, string | null>;

export const SORTS: { value: MemberSort; label: string }[] = [
  { value: 'invited_at', label: 'Invited (newest)' },
  { value: 'status_changed_at', label: 'Last change' },
  { value: 'name', label: 'Name' },
  { value: 'email', label: 'Email' },
];

/** The latest value of something, for callbacks that must keep one identity (memoised rows). */
export function useLatest<T>(value: T) {
  const ref = useRef(value);
  useEffect(() => {
    ref.current = value;
  });
  return ref;
}

type Counts = Partial<Record<MemberStatus, number>>;

interface ToolbarProps {
  status: MemberStatus | 'all';
  counts: Counts | undefined;
  total: number;
  membersIn: string;
  q: string;
  roleId: string | null;
  accountId: string | null;
  sort: MemberSort;
  roles: { id: number; name: string }[] | undefined;
  accounts: { id: number; parentId: number | null; path: string }[] | undefined;
  canInvite: boolean;
  update(patch: Patch, replace?: boolean): void;
  /** Each keystroke in the search field (the list asks at once). */
  onType(text: string): void;
  /** The search typed, once typing pauses: into the address. */
  onCommit(text: string, replace: boolean): void;
  onInvite(): void;
}

/** Title, tabs and filters: memoised, so a tick, a page arriving or a scroll does not render them again. */
export const MembersToolbar = memo(function MembersToolbar({ status, counts, total, membersIn, q, roleId, accountId, sort, roles, accounts, canInvite, update, onType, onCommit, onInvite }: ToolbarProps) {
  const setTab = (v: string | null) => update({ status: !v || v === 'all' ? null : v, member: null });
  const roleOptions = useMemo(() => (roles ?? []).map((r) => ({ value: String(r.id), label: r.name })), [roles]);
  const accountOptions = useMemo(() => (accounts ?? []).filter((a) => a.parentId !== null).map((a) => ({ value: String(a.id), label: a.path })), [accounts]);
  // Until the counts arrive, the total is the sum of nothing: "0 people" would read as an empty organization.
  const counting = counts === undefined;
  return (
    <>
      <Group justify="space-between" wrap="nowrap">
        <div>
          <Title order={1} size="h2">
            Members
          </Title>
          <Text c="dimmed" size="sm" aria-busy={counting}>
            {counting ? `Counting the people in ${membersIn}…` : `${formatCount(total)} ${total === 1 ? 'person' : 'people'} in ${membersIn}`}
          </Text>
        </div>
        {canInvite && <Button onClick={onInvite}>Invite people</Button>}
      </Group>

      <Tabs value={status} onChange={setTab} activateTabWithKeyboard={false}>
        <Tabs.List>
          <Tabs.Tab value="all">All <CountBadge n={counting ? null : total} /></Tabs.Tab>
          {LISTED_STATUSES.map((s) => (
            <Tabs.Tab key={s} value={s}>
              {STATUS_LABELS[s]} <CountBadge n={counting ? null : (counts[s] ?? 0)} />
            </Tabs.Tab>
          ))}
        </Tabs.List>
      </Tabs>

      <Group gap="sm" align="flex-end" wrap="wrap">
        <SearchBox value={q} onType={onType} onCommit={(v) => onCommit(v, q !== '')} />
        <Select size="xs" label="Role" placeholder="Any role" clearable data={roleOptions} value={roleId} onChange={(v) => update({ role: v })} w={170} />
        <Select size="xs" label="Sub-account" placeholder="Any account" clearable data={accountOptions} value={accountId} onChange={(v) => update({ account: v })} w={190} />
        <Select size="xs" label="Sort by" allowDeselect={false} data={SORTS} value={sort} onChange={(v) => v && update({ sort: v === 'invited_at' ? null : v })} w={160} />
      </Group>

    </>
  );
});

/**
 * The search field keeps its own text: a keystroke re-renders this field and tells the page, whose
 * list asks at once (the previous rows stay while the new ones load). The address follows after a
 * pause: a navigation re-renders the whole console, which a keystroke should not wait for.
 */
const SearchBox = memo(function SearchBox({ value, onType, onCommit }: { value: string; onType(value: string): void; onCommit(value: string): void }) {
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
    }, ADDRESS_PAUSE_MS);
    return () => clearTimeout(timer);
  }, [text, committed, latestCommit]);
  return (
    <TextInput
      size="xs"
      label="Search"
      placeholder="Name, email or phone"
      value={text}
      onChange={(e) => {
        setText(e.currentTarget.value);
        onType(e.currentTarget.value);
      }}
      w={260}
    />
  );
});

/** The address (not the list) waits for typing to pause this long. */
const ADDRESS_PAUSE_MS = 400;

/** `null`: not counted yet. */
function CountBadge({ n }: { n: number | null }) {
  return <Badge size="xs" variant="light" color="gray" ml={4} component="span">{n === null ? '…' : formatCount(n)}</Badge>;
}
