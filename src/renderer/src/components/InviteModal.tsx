import { Alert, Badge, Button, CloseButton, Group, Modal, MultiSelect, Paper, ScrollArea, Select, SimpleGrid, Stack, Table, TagsInput, Text } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery } from '@tanstack/react-query';
import Papa from 'papaparse';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { InviteEntryInput } from '../api-types';
import { errorMessage, useTRPC } from '../trpc';

type Field = 'email' | 'name' | 'phone' | 'role';
const FIELDS: { key: Field; label: string; guess: RegExp }[] = [
  { key: 'email', label: 'Email column', guess: /e-?mail|address/i },
  { key: 'name', label: 'Name column', guess: /name/i },
  { key: 'phone', label: 'Phone column', guess: /phone|mobile|tel/i },
  { key: 'role', label: 'Role column', guess: /role/i },
];

interface CsvImport {
  fileName: string;
  headers: string[];
  rows: string[][];
  mapping: Record<Field, string | null>;
  errors: string[];
}

/** Parses a CSV file (first line = headers) with papaparse and guesses the column mapping. */
export function parseCsv(fileName: string, text: string): CsvImport {
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), { skipEmptyLines: 'greedy' });
  const [headerRow = [], ...rows] = parsed.data;
  const headers = headerRow.map((h, i) => h.trim() || `Column ${i + 1}`);
  const mapping = { email: null, name: null, phone: null, role: null } as Record<Field, string | null>;
  const used = new Set<string>();
  for (const f of FIELDS) {
    const h = headers.find((x) => f.guess.test(x) && !used.has(x));
    if (h) {
      mapping[f.key] = h;
      used.add(h);
    }
  }
  if (!mapping.email && headers.length) mapping.email = headers[0]!;
  return { fileName, headers, rows, mapping, errors: parsed.errors.slice(0, 3).map((e) => `Line ${(e.row ?? 0) + 2}: ${e.message}`) };
}

type Entry = InviteEntryInput & {
  /** Where it came from, for the preview: "typed" or "CSV line 3". */
  source: string;
};

function csvEntries(csv: CsvImport | null): Entry[] {
  if (!csv) return [];
  const col = (f: Field) => (csv.mapping[f] ? csv.headers.indexOf(csv.mapping[f]!) : -1);
  const [e, n, p, r] = [col('email'), col('name'), col('phone'), col('role')];
  const cell = (row: string[], i: number) => (i >= 0 ? (row[i] ?? '').trim() || null : null);
  return csv.rows.map((row, i) => ({ email: cell(row, e) ?? '', name: cell(row, n), phone: cell(row, p), role: cell(row, r), source: `CSV line ${i + 2}` }));
}

const PREVIEW_SHOWN = 300;

export function InviteModal({ opened, onClose, onInvited }: { opened: boolean; onClose(): void; onInvited(): void }) {
  const trpc = useTRPC();
  const fileInput = useRef<HTMLInputElement>(null);
  const [emails, setEmails] = useState<string[]>([]);
  const [csv, setCsv] = useState<CsvImport | null>(null);
  // null until the admin picks: the Member role is the default choice.
  const [pickedRoleIds, setRoleIds] = useState<string[] | null>(null);
  const [accountIds, setAccountIds] = useState<string[]>([]);
  const [result, setResult] = useState<{ invited: number; resent: number; skipped: { email: string; message: string }[] } | null>(null);
  const entries = useMemo<Entry[]>(() => [...emails.map((email) => ({ email, source: 'Typed' })), ...csvEntries(csv)], [emails, csv]);
  const [debounced] = useDebouncedValue(entries, 200);
  const roles = useQuery(trpc.roles.list.queryOptions(undefined, { enabled: opened }));
  const accounts = useQuery(trpc.accounts.list.queryOptions(undefined, { enabled: opened }));
  const preview = useMutation(trpc.members.preview.mutationOptions());
  const { mutate: runPreview, reset: resetPreview } = preview;
  useEffect(() => {
    if (!opened || debounced.length === 0) return resetPreview();
    runPreview({ entries: debounced.map(({ source: _s, ...e }) => e) });
  }, [opened, debounced, runPreview, resetPreview]);
  const invite = useMutation(
    trpc.members.invite.mutationOptions({
      onSuccess: (r) => {
        setResult({ invited: r.invited.length, resent: r.resent.length, skipped: r.skipped.map((s) => ({ email: s.email || '(no address)', message: s.message })) });
        notifications.show({ color: 'green', title: 'Invitations sent', message: `${r.invited.length} invited${r.resent.length ? `, ${r.resent.length} resent` : ''}${r.skipped.length ? `, ${r.skipped.length} skipped` : ''}.` });
        onInvited();
      },
    }),
  );

  const defaultRole = roles.data?.find((r) => r.builtin === 'member');
  const roleIds = pickedRoleIds ?? (defaultRole ? [String(defaultRole.id)] : []);

  const close = () => {
    setEmails([]);
    setCsv(null);
    setResult(null);
    invite.reset();
    resetPreview();
    onClose();
  };
  const current = preview.data && preview.variables?.entries.length === entries.length && debounced === entries ? preview.data : null;
  const outcomes = current ?? [];
  const toInvite = outcomes.filter((o) => o.outcome === 'invite').length;
  const resendable = outcomes.filter((o) => o.outcome === 'skip' && o.reason === 'already_invited').length;
  const send = (resendExisting: boolean) =>
    invite.mutate({
      entries: entries.map(({ source: _s, ...e }) => e),
      grants: { roleIds: roleIds.map(Number), accountIds: accountIds.map(Number), permissions: [] },
      resendExisting,
    });

  const onFile = async (file: File | undefined) => {
    if (!file) return;
    const parsed = parseCsv(file.name, await file.text());
    setCsv(parsed);
    if (fileInput.current) fileInput.current.value = '';
  };

  return (
    <Modal opened={opened} onClose={close} title="Invite people" size="xl" centered>
      {result ? (
        <Stack>
          <Alert color="green" title="Invitations sent">
            {result.invited} {result.invited === 1 ? 'person was' : 'people were'} invited{result.resent ? ` and ${result.resent} invitation${result.resent === 1 ? ' was' : 's were'} sent again` : ''}. They appear as Pending until they answer.
          </Alert>
          {result.skipped.length > 0 && (
            <Stack gap={4}>
              <Text size="sm" fw={600}>Skipped ({result.skipped.length})</Text>
              <ScrollArea.Autosize mah={200}>
                {result.skipped.map((s, i) => (
                  <Text key={`${s.email}-${i}`} size="sm">{s.email} — {s.message}</Text>
                ))}
              </ScrollArea.Autosize>
            </Stack>
          )}
          <Group justify="flex-end">
            <Button onClick={close}>Done</Button>
          </Group>
        </Stack>
      ) : (
        <Stack>
          <TagsInput
            label="Email addresses"
            description="Type an address and press Enter, or paste a list separated by commas or new lines."
            placeholder="name@example.com"
            value={emails}
            onChange={setEmails}
            // Mantine splits typed and pasted text on these; duplicates stay so the preview can flag them.
            splitChars={[',', ' ', ';', '\n', '\r', '\t']}
            allowDuplicates
            acceptValueOnBlur
            clearable
          />
          <Group gap="sm">
            <input ref={fileInput} type="file" accept=".csv,text/csv" aria-label="CSV file" hidden onChange={(e) => void onFile(e.currentTarget.files?.[0])} />
            <Button variant="default" size="sm" onClick={() => fileInput.current?.click()}>
              Import a CSV file…
            </Button>
            <Text size="xs" c="dimmed">Columns for email, name, phone and role; the first line holds the headers.</Text>
          </Group>
          {csv && (
            <Paper withBorder p="sm" radius="md" role="region" aria-label="CSV import">
              <Group justify="space-between" mb="xs">
                <Text size="sm" fw={600}>
                  {csv.fileName}: {csv.rows.length} row{csv.rows.length === 1 ? '' : 's'}
                </Text>
                <CloseButton aria-label="Remove the CSV file" onClick={() => setCsv(null)} />
              </Group>
              <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="xs">
                {FIELDS.map((f) => (
                  <Select
                    key={f.key}
                    label={f.label}
                    size="xs"
                    required={f.key === 'email'}
                    clearable={f.key !== 'email'}
                    allowDeselect={f.key !== 'email'}
                    placeholder="Not imported"
                    data={csv.headers}
                    value={csv.mapping[f.key]}
                    onChange={(v) => setCsv({ ...csv, mapping: { ...csv.mapping, [f.key]: v } })}
                  />
                ))}
              </SimpleGrid>
              {csv.errors.length > 0 && (
                <Text size="xs" c="orange" mt="xs">
                  {csv.errors.join(' · ')}
                </Text>
              )}
            </Paper>
          )}
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <MultiSelect
              label="Roles"
              description="Applies to every address. A role is required."
              required
              data={(roles.data ?? []).map((r) => ({ value: String(r.id), label: r.name }))}
              value={roleIds}
              onChange={setRoleIds}
              error={roleIds.length === 0 ? 'Choose at least one role.' : undefined}
            />
            <MultiSelect
              label="Sub-accounts"
              description="Give every address access to these sub-accounts."
              placeholder={(accounts.data ?? []).some((a) => a.parentId !== null) ? 'None' : 'No sub-accounts yet'}
              data={(accounts.data ?? []).filter((a) => a.parentId !== null).map((a) => ({ value: String(a.id), label: a.path }))}
              value={accountIds}
              onChange={setAccountIds}
              clearable
            />
          </SimpleGrid>
          {entries.length === 0 && (
            <Paper withBorder p="md" radius="md" style={{ borderStyle: 'dashed' }}>
              <Text size="sm" c="dimmed" ta="center">Add addresses or import a CSV file: a preview of what will happen to each appears here before anything is sent.</Text>
            </Paper>
          )}
          {entries.length > 0 && !current && !preview.error && (
            <Text size="sm" c="dimmed" role="status">Checking {entries.length} address{entries.length === 1 ? '' : 'es'}…</Text>
          )}
          {preview.error && <Alert color="red" title="Could not check the addresses">{errorMessage(preview.error)}</Alert>}
          {outcomes.length > 0 && (
            <Stack gap={6} role="region" aria-label="Preview">
              <Group gap="xs">
                <Text size="sm" fw={600}>Preview: {toInvite} to invite{outcomes.length - toInvite ? `, ${outcomes.length - toInvite} skipped` : ''}</Text>
              </Group>
              <ScrollArea.Autosize mah={240} type="auto">
                <Table verticalSpacing={4} fz="sm" aria-label="What will happen to each address">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>From</Table.Th>
                      <Table.Th>Address</Table.Th>
                      <Table.Th>Outcome</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {outcomes.slice(0, PREVIEW_SHOWN).map((o, i) => (
                      <Table.Tr key={`${o.email}-${i}`} aria-label={o.email || entries[i]?.source}>
                        <Table.Td><Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>{entries[i]?.source}</Text></Table.Td>
                        <Table.Td><Text size="sm" truncate maw={300}>{o.email || <i>no address</i>}</Text></Table.Td>
                        <Table.Td>
                          {o.outcome === 'invite' ? <Badge color="green" variant="light">Will be invited</Badge> : <Badge color={o.reason === 'already_invited' ? 'yellow' : 'red'} variant="light" style={{ textTransform: 'none' }} title={o.message}>Skipped: {o.message}</Badge>}
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
                {outcomes.length > PREVIEW_SHOWN && <Text size="xs" c="dimmed" p="xs">…and {outcomes.length - PREVIEW_SHOWN} more.</Text>}
              </ScrollArea.Autosize>
            </Stack>
          )}
          {invite.error && <Alert color="red" title="Nothing was sent">{errorMessage(invite.error)}</Alert>}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>Cancel</Button>
            {resendable > 0 && <Button variant="light" loading={invite.isPending} disabled={roleIds.length === 0} onClick={() => send(true)}>Send and resend {resendable} existing</Button>}
            <Button loading={invite.isPending} disabled={toInvite === 0 || roleIds.length === 0} onClick={() => send(false)}>
              Send {toInvite > 0 ? toInvite : ''} invitation{toInvite === 1 ? '' : 's'}
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
