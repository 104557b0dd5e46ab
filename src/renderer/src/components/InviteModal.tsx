import { Alert, Anchor, Button, CloseButton, Group, Modal, MultiSelect, Paper, Pill, Progress, Radio, ScrollArea, Select, SimpleGrid, Stack, TagsInput, Text, UnstyledButton } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { addressProblem } from '../../../shared/address-lines';
import { useMe } from '../me';
import { csvEntries, FIELDS, localSkip, mergeOutcomes, resultSkips, type CsvImport, type Entry } from './csv-import';
import { useCsvLoader } from './csv-loader';
import { InvitePreview } from './InvitePreview';
import { ChipEditor, chipKey, chipLabel, keyIndex, nextChips, type Chip } from './invite-chips';
import { errorMessage, useTRPC } from '../trpc';


export function InviteModal({ opened, onClose, onInvited }: { opened: boolean; onClose(): void; onInvited(): void }) {
  const trpc = useTRPC();
  const fileInput = useRef<HTMLInputElement>(null);
  const me = useMe();
  const [chips, setChips] = useState<Chip[]>([]);
  const [editing, setEditing] = useState<number | null>(null);
  const [extraGrants, setExtraGrants] = useState<string[]>([]);
  const [csvRole, setCsvRole] = useState<'add' | 'replace' | null>(null);
  const [csv, setCsv] = useState<CsvImport | null>(null);
  // null until the admin picks: the Member role is the default choice.
  const [pickedRoleIds, setRoleIds] = useState<string[] | null>(null);
  const [accountIds, setAccountIds] = useState<string[]>([]);
  const [result, setResult] = useState<{ invited: number; resent: number; skipped: { email: string; message: string }[] } | null>(null);
  const entries = useMemo<Entry[]>(() => [...chips.map((c) => ({ ...c, source: 'Typed' })), ...csvEntries(csv)], [chips, csv]);
  const badChips = chips.map((c) => ({ chip: c, problem: addressProblem(c.email) })).filter((x) => x.problem);
  const [debounced] = useDebouncedValue(entries, 200);
  // Each entry is checked here first: a bad one (a CSV row with a 300-character name) is skipped with its line and
  // reason and never sent, so one bad row never blocks the preview of the others.
  const checked = useMemo(() => {
    const local = debounced.map(localSkip);
    return { local, input: { entries: debounced.flatMap(({ source: _s, line: _l, ...e }, i) => (local[i] ? [] : [e])) } };
  }, [debounced]);
  const roles = useQuery(trpc.roles.list.queryOptions(undefined, { enabled: opened }));
  const accounts = useQuery(trpc.accounts.list.queryOptions(undefined, { enabled: opened }));
  const catalog = useQuery(trpc.roles.catalog.queryOptions(undefined, { enabled: opened }));
  const mailStatus = useQuery(trpc.mail.status.queryOptions(undefined, { enabled: opened }));
  // Without a mail server the invitations are created but wait: the admin copies or exports their links.
  const noMail = !!mailStatus.data && !mailStatus.data.configured;
  const preview = useMutation(trpc.members.preview.mutationOptions());
  const { mutate: runPreview, reset: resetPreview } = preview;
  useEffect(() => {
    if (!opened || checked.input.entries.length === 0) return resetPreview();
    runPreview(checked.input);
  }, [opened, checked, runPreview, resetPreview]);
  const invite = useMutation(trpc.members.invite.mutationOptions());
  // A long batch says how far it is: the call carries a random key, and the dialog asks by that key while it waits.
  const [progressKey, setProgressKey] = useState<string | null>(null);
  const progress = useQuery(
    trpc.members.inviteProgress.queryOptions({ progressKey: progressKey ?? '' }, { enabled: invite.isPending && progressKey !== null, refetchInterval: 300, staleTime: 0 }),
  );

  const defaultRole = roles.data?.find((r) => r.builtin === 'member');
  const roleIds = pickedRoleIds ?? (defaultRole ? [String(defaultRole.id)] : []);

  const csvLoader = useCsvLoader(
    useCallback((parsed: CsvImport) => {
      setCsv(parsed);
      setCsvRole(null);
    }, []),
  );
  const close = () => {
    setChips([]);
    setEditing(null);
    setExtraGrants([]);
    setCsvRole(null);
    setCsv(null);
    csvLoader.cancel();
    csvLoader.clearError();
    setResult(null);
    invite.reset();
    resetPreview();
    onClose();
  };
  // The preview of what is on screen: the local skips merged, in order, with the server's answer for the rest.
  const current = useMemo(() => {
    if (debounced !== entries) return null;
    const server = checked.input.entries.length === 0 ? [] : preview.data && preview.variables === checked.input ? preview.data : null;
    if (!server) return null;
    return mergeOutcomes(entries, checked.local, server);
  }, [debounced, entries, checked, preview.data, preview.variables]);
  const outcomes = current ?? [];
  const toInvite = outcomes.filter((o) => o.outcome === 'invite').length;
  const resendable = outcomes.filter((o) => o.outcome === 'skip' && o.reason === 'already_invited').length;
  const send = (resendExisting: boolean) => {
    // What the preview showed when Send was pressed: the result's skips are matched to their lines against it.
    const [sentEntries, shown, local] = [entries, outcomes, checked.local];
    const key = randomKey();
    setProgressKey(key);
    invite.mutate(
      {
        progressKey: key,
        entries: checked.input.entries,
        grants: { roleIds: roleIds.map(Number), accountIds: accountIds.map(Number), permissions: extraGrants },
        resendExisting,
        csvRole: csvRole ?? 'add',
      },
      {
        onSuccess: (r) => {
          const skipped = resultSkips(sentEntries, shown, local, r.skipped).map((s) => ({ email: s.email || '(no address)', message: s.message }));
          setResult({ invited: r.invited.length, resent: r.resent.length, skipped });
          notifications.show({ color: noMail ? 'yellow' : 'green', title: noMail ? 'Invitations waiting for a mail server' : 'Invitations sent', message: `${r.invited.length} invited${r.resent.length ? `, ${r.resent.length} resent` : ''}${skipped.length ? `, ${skipped.length} skipped` : ''}.` });
          onInvited();
        },
      },
    );
  };

  // A CSV role column needs the admin's explicit choice: does it add to the dialog's roles or replace them?
  const csvHasRoles = !!csv?.mapping.role && entries.some((e) => e.role);
  const roleRuleMissing = csvHasRoles && csvRole === null;
  const roleName = new Map((roles.data ?? []).map((r) => [r.id, r.name]));
  const dialogRoleNames = roleIds.map((id) => roleName.get(Number(id)) ?? '?');
  const resultingRoles = (roleId: number | null): string[] => {
    if (roleId === null) return dialogRoleNames;
    const own = roleName.get(roleId) ?? '?';
    return csvRole === 'replace' ? [own] : [...new Set([...dialogRoleNames, own])];
  };
  const grantOptions = [
    { group: 'Product modules', items: (catalog.data?.modules ?? []).map((m) => ({ value: m.key, label: m.label })) },
    { group: 'Single permissions', items: (catalog.data?.console ?? []).filter((p) => me.permissions.includes(p.key)).map((p) => ({ value: p.key, label: p.label })) },
  ].filter((g) => g.items.length > 0);
  const blockedWhy = roleIds.length === 0 ? 'Choose at least one role.' : roleRuleMissing ? 'Choose what the CSV file’s roles do.' : null;

  const onFile = (file: File | undefined) => {
    if (fileInput.current) fileInput.current.value = '';
    if (file) void csvLoader.load(file);
  };

  return (
    <Modal opened={opened} onClose={close} title="Invite people" size="xl" centered>
      {result ? (
        <Stack>
          <Alert color="green" title={noMail ? 'Invitations created' : 'Invitations sent'}>
            {result.invited} {result.invited === 1 ? 'person was' : 'people were'} invited{result.resent ? ` and ${result.resent} invitation${result.resent === 1 ? ' was' : 's were'} sent again` : ''}. They appear as Pending until they answer.
          </Alert>
          {noMail && <NoMailNotice onNavigate={close} />}
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
          {noMail && <NoMailNotice onNavigate={close} />}
          <TagsInput
            label="Email addresses"
            data-autofocus
            // No suggestions to show: an (empty) dropdown opened on focus would swallow the first Escape, and the
            // dialog, which opens with the focus here, would need two presses to close.
            openOnFocus={false}
            description="Type an address and press Enter, or paste a list: one per line, “Ada Lovelace <ada@example.com>” or “ada@example.com, Ada Lovelace”. Click a chip to add a name or phone."
            placeholder="name@example.com"
            value={chips.map(chipKey)}
            onChange={(labels) => setChips((cs) => nextChips(cs, labels))}
            // Lines split here; commas and spaces inside a line are read by parseAddressLines (names may hold them).
            // Duplicates stay so the preview can flag them.
            splitChars={[';', '\n', '\r']}
            allowDuplicates
            acceptValueOnBlur
            clearable
            error={badChips.length > 0 ? `${badChips.length} address${badChips.length === 1 ? '' : 'es'} cannot be invited: ${badChips.slice(0, 3).map((b) => `${b.chip.email} (${b.problem})`).join('; ')}${badChips.length > 3 ? '…' : ''}` : undefined}
            renderPill={({ value, onRemove, disabled }) => {
              const at = keyIndex(value ?? '') ?? -1;
              const chip = chips[at];
              const problem = chip ? addressProblem(chip.email) : null;
              return (
                <Pill withRemoveButton={!disabled} onRemove={onRemove} disabled={disabled} data-invalid={problem ? true : undefined} bg={problem ? 'var(--mantine-color-red-light)' : undefined} c={problem ? 'var(--mantine-color-red-light-color)' : undefined} removeButtonProps={{ 'aria-label': `Remove ${chip?.email ?? value}` }}>
                  <UnstyledButton fz="inherit" c="inherit" aria-label={`Edit ${chip?.email ?? value}${problem ? ` (${problem})` : ''}`} aria-expanded={editing === at} title={problem ?? 'Add a name or phone'} onMouseDown={(e) => e.stopPropagation()} onClick={() => setEditing(at)}>
                    {problem ? '⚠ ' : ''}{chip ? chipLabel(chip) : value}{chip?.phone ? ` · ${chip.phone}` : ''}
                  </UnstyledButton>
                </Pill>
              );
            }}
          />
          {editing !== null && chips[editing] && (
            <Paper withBorder p="sm" radius="md">
              <ChipEditor
                key={editing}
                chip={chips[editing]}
                onCancel={() => setEditing(null)}
                onSave={(c) => {
                  setChips((cs) => cs.map((x, j) => (j === editing ? c : x)));
                  setEditing(null);
                }}
              />
            </Paper>
          )}
          <Group gap="sm">
            <input ref={fileInput} type="file" accept=".csv,text/csv" aria-label="CSV file" hidden onChange={(e) => onFile(e.currentTarget.files?.[0])} />
            <Button variant="default" size="sm" onClick={() => fileInput.current?.click()}>
              Import a CSV file…
            </Button>
            <Text size="xs" c="dimmed">Columns for email, name, phone and role; the first line holds the headers.</Text>
          </Group>
          {csvLoader.error && (
            <Alert color="red" title="This file cannot be imported" withCloseButton closeButtonLabel="Dismiss" onClose={csvLoader.clearError}>
              {csvLoader.error}
            </Alert>
          )}
          {csvLoader.loading && (
            <Paper withBorder p="sm" radius="md" role="region" aria-label="Reading the CSV file">
              <Group justify="space-between" mb="xs" wrap="nowrap">
                <Text size="sm" fw={600} truncate>
                  Reading {csvLoader.loading.fileName}… {Math.round(csvLoader.loading.fraction * 100)}%
                </Text>
                <Button size="xs" variant="default" aria-label={`Cancel reading ${csvLoader.loading.fileName}`} onClick={csvLoader.cancel}>Cancel</Button>
              </Group>
              <Progress value={Math.round(csvLoader.loading.fraction * 100)} aria-label={`Reading ${csvLoader.loading.fileName}`} animated />
            </Paper>
          )}
          {csv && (
            <Paper withBorder p="sm" radius="md" role="region" aria-label="CSV import">
              <Group justify="space-between" mb="xs">
                <Text size="sm" fw={600}>
                  {csv.fileName}: {csv.rows.length.toLocaleString('en-US')} row{csv.rows.length === 1 ? '' : 's'}
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
          {grantOptions.length > 0 && (
            <MultiSelect
              label="Also grant"
              description="Product modules and single permissions given to every address, on top of the roles."
              placeholder={extraGrants.length ? undefined : 'Nothing more'}
              data={grantOptions}
              value={extraGrants}
              onChange={setExtraGrants}
              searchable
              clearable
            />
          )}
          {csvHasRoles && (
            <Radio.Group
              label="Roles from the CSV file"
              description="Some lines of the file name a role. Choose what it does for those addresses."
              value={csvRole}
              onChange={(v) => setCsvRole(v as 'add' | 'replace')}
              error={roleRuleMissing ? 'Choose one to continue.' : undefined}
              required
            >
              <Group mt="xs">
                <Radio value="add" label="Adds to the roles above" />
                <Radio value="replace" label="Replaces the roles above" />
              </Group>
            </Radio.Group>
          )}
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
            <InvitePreview
              outcomes={outcomes}
              entries={entries}
              rolesOf={(o) =>
                o.roleId !== null && csvRole === null
                  ? { text: `${roleName.get(o.roleId) ?? '?'} (choose above: add or replace)`, warn: true }
                  : { text: resultingRoles(o.roleId).join(', '), warn: false }
              }
            />
          )}
          {invite.error && <Alert color="red" title="Nothing was sent">{errorMessage(invite.error)}</Alert>}
          {/* Sticky: with a long CSV the actions stay in view at the bottom of the dialog. */}
          <Group
            justify="flex-end"
            role="group"
            aria-label="Dialog actions"
            style={{ position: 'sticky', bottom: 0, zIndex: 3, background: 'var(--mantine-color-body)', borderTop: '1px solid var(--mantine-color-default-border)', margin: '0 calc(-1 * var(--mantine-spacing-md)) calc(-1 * var(--mantine-spacing-md))', padding: 'var(--mantine-spacing-sm) var(--mantine-spacing-md)' }}
          >
            {invite.isPending && progress.data && <BatchProgressLine progress={progress.data} />}
            {!invite.isPending && (blockedWhy ?? (entries.length > 0 && toInvite === 0 && current ? 'No address can be invited: see the preview.' : null)) && (
              <Text size="xs" c="dimmed" mr="auto" id="invite-blocked-why">{blockedWhy ?? 'No address can be invited: see the preview.'}</Text>
            )}
            <Button variant="default" onClick={close}>Cancel</Button>
            {resendable > 0 && <Button variant="light" loading={invite.isPending} disabled={blockedWhy !== null} onClick={() => send(true)}>Send and resend {resendable} existing</Button>}
            <Button loading={invite.isPending} disabled={toInvite === 0 || blockedWhy !== null} aria-describedby={blockedWhy ? 'invite-blocked-why' : undefined} onClick={() => send(false)}>
              Send {toInvite > 0 ? toInvite : ''} invitation{toInvite === 1 ? '' : 's'}
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}

/** 128 random bits, URL-safe: the key of one invite call's progress. */
function randomKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The running batch's stage as the server reports it: checking, writing (the one transaction), saving. */
function BatchProgressLine({ progress }: { progress: { stage: 'checking' | 'writing' | 'committing'; done: number; total: number } }) {
  const n = progress.total.toLocaleString('en-US');
  const [label, pct] =
    progress.stage === 'checking'
      ? [`Checking ${n} addresses…`, 10]
      : progress.stage === 'writing'
        ? [`Writing ${n} invitations…`, 10 + (progress.total > 0 ? Math.round((80 * progress.done) / progress.total) : 0)]
        : [`Saving ${n} invitations…`, 95];
  return (
    <Stack gap={4} role="status" mr="auto" style={{ flex: 1, maxWidth: 420 }}>
      <Text size="sm">{label}</Text>
      <Progress value={pct} aria-label="Invitations in progress" animated />
    </Stack>
  );
}

/** Said wherever invitations would wait for a mail server that this organization has not set. */
export function NoMailNotice({ onNavigate }: { onNavigate?(): void }) {
  const navigate = useNavigate();
  return (
    <Alert color="yellow" title="No mail server is set for this organization" role="status">
      The invitations wait; copy or export their links.{' '}
      <Anchor
        href="#/mail"
        onClick={(e) => {
          e.preventDefault();
          onNavigate?.();
          void navigate('/mail');
        }}
      >
        Mail settings
      </Anchor>
    </Alert>
  );
}
