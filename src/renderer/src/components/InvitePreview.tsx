import { Badge, Group, Switch, Text } from '@mantine/core';
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useMemo, useRef, useState, type CSSProperties, type ReactNode } from 'react';

/** One address's fate as the server's preview says it. */
export type PreviewOutcome =
  | { email: string; outcome: 'invite'; roleId: number | null }
  | { email: string; outcome: 'skip'; reason: string; message: string };

export interface PreviewSource {
  source: string;
  name?: string | null;
  phone?: string | null;
}

const ROW_HEIGHT = 40;
const MAX_HEIGHT = 280;
const COLUMNS = '110px minmax(0, 1fr) minmax(0, 1.2fr) 160px';
const grid: CSSProperties = { display: 'grid', gridTemplateColumns: COLUMNS, alignItems: 'center', columnGap: 8, paddingInline: 8 };

interface InvitePreviewProps {
  outcomes: PreviewOutcome[];
  /** The dialog's entries, in the same order as the outcomes: where each came from, its name and phone. */
  entries: PreviewSource[];
  /** The roles an address to invite will get, as words. */
  rolesOf(o: Extract<PreviewOutcome, { outcome: 'invite' }>): { text: string; warn: boolean };
}

/**
 * The invite preview as a virtual list (TanStack Virtual): every address of a CSV of any length is
 * in the list, but only those in view are in the page. "Skipped only" shows what will not be sent.
 */
export function InvitePreview({ outcomes, entries, rolesOf }: InvitePreviewProps) {
  const [skippedOnly, setSkippedOnly] = useState(false);
  const toInvite = outcomes.filter((o) => o.outcome === 'invite').length;
  const skipped = outcomes.length - toInvite;
  const showSkipped = skippedOnly && skipped > 0;
  // Indexes into outcomes/entries: the filter keeps each address's place in the source.
  const shown = useMemo(() => outcomes.flatMap((o, i) => (!showSkipped || o.outcome === 'skip' ? [i] : [])), [outcomes, showSkipped]);
  const scrollRef = useRef<HTMLDivElement>(null);
  // oxlint-disable-next-line react/incompatible-library -- the virtualizer re-renders this list on scroll by design
  const virtualizer = useVirtualizer({ count: shown.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 6, getItemKey: (k) => shown[k] ?? k });
  const height = Math.min(MAX_HEIGHT, shown.length * ROW_HEIGHT);

  return (
    <div role="region" aria-label="Preview" style={{ display: 'flex', flexDirection: 'column', gap: 6 }}>
      <Group gap="md" justify="space-between">
        <Text size="sm" fw={600}>Preview: {toInvite} to invite{skipped ? `, ${skipped} skipped` : ''}</Text>
        {skipped > 0 && (
          <Switch
            size="xs"
            label="Skipped only"
            checked={showSkipped}
            onChange={(e) => {
              setSkippedOnly(e.currentTarget.checked);
              scrollRef.current?.scrollTo({ top: 0 });
            }}
          />
        )}
      </Group>
      <div role="table" aria-label="What will happen to each address" aria-rowcount={shown.length + 1} style={{ border: '1px solid var(--mantine-color-default-border)', borderRadius: 'var(--mantine-radius-sm)' }}>
        <div role="rowgroup">
          <div role="row" aria-rowindex={1} style={{ ...grid, height: 30, borderBottom: '1px solid var(--mantine-color-default-border)' }}>
            {['From', 'Address', 'Outcome', 'Roles'].map((h) => (
              <Text key={h} role="columnheader" size="xs" fw={600}>{h}</Text>
            ))}
          </div>
        </div>
        <div ref={scrollRef} role="rowgroup" data-testid="invite-preview-scroller" style={{ height, overflow: 'auto', position: 'relative' }}>
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {virtualizer.getVirtualItems().map((item) => {
              const i = shown[item.index]!;
              const o = outcomes[i]!;
              const roles = o.outcome === 'invite' ? rolesOf(o) : null;
              return <PreviewRow key={item.key} index={item.index} start={item.start} outcome={o} entry={entries[i]} rolesText={roles?.text ?? ''} rolesWarn={!!roles?.warn} />;
            })}
          </div>
        </div>
      </div>
    </div>
  );
}

const PreviewRow = memo(function PreviewRow({ index, start, outcome: o, entry, rolesText, rolesWarn }: { index: number; start: number; outcome: PreviewOutcome; entry: PreviewSource | undefined; rolesText: string; rolesWarn: boolean }) {
  let outcome: ReactNode;
  if (o.outcome === 'invite') outcome = <Badge color="green" variant="light">Will be invited</Badge>;
  // The reason in full on up to two lines ("line 7: the name is longer than 200 characters"), not cut in a badge.
  else
    outcome = (
      <Text size="xs" fw={500} lh={1.3} lineClamp={2} c={o.reason === 'already_invited' ? 'orange' : 'red'} title={o.message}>
        Skipped: {o.message}
      </Text>
    );
  return (
    <div
      role="row"
      aria-label={o.email || entry?.source}
      aria-rowindex={index + 2}
      className="virtual-row"
      style={{ ...grid, position: 'absolute', top: 0, left: 0, width: '100%', height: ROW_HEIGHT, transform: `translateY(${start}px)` }}
    >
      <Text role="cell" size="xs" c="dimmed" truncate>{entry?.source}</Text>
      <div role="cell" style={{ minWidth: 0 }}>
        <Text size="sm" truncate title={o.email}>{o.email || <i>no address</i>}</Text>
        {entry?.name && <Text size="xs" c="dimmed" truncate>{entry.name}{entry.phone ? ` · ${entry.phone}` : ''}</Text>}
      </div>
      <div role="cell" style={{ minWidth: 0, overflow: 'hidden' }}>{outcome}</div>
      <Text role="cell" size="xs" truncate c={rolesWarn ? 'orange' : undefined} title={rolesText || undefined}>{rolesText}</Text>
    </div>
  );
});
