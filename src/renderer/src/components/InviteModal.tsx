import { Alert, Badge, Button, Group, Modal, MultiSelect, ScrollArea, Stack, TagsInput, Text } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { errorMessage, useTRPC } from '../trpc';

/** Splits pasted text the way admins paste: commas, semicolons, spaces or new lines. */
export function splitPasted(text: string): string[] {
  return text
    .split(/[,;\s]+/)
    .map((s) => s.replace(/^<|>$/g, '').trim())
    .filter(Boolean);
}

export function InviteModal({ opened, onClose, onInvited }: { opened: boolean; onClose(): void; onInvited(): void }) {
  const trpc = useTRPC();
  const [emails, setEmails] = useState<string[]>([]);
  // null until the admin picks: the Member role is the default choice.
  const [pickedRoleIds, setRoleIds] = useState<string[] | null>(null);
  const [accountIds, setAccountIds] = useState<string[]>([]);
  const [result, setResult] = useState<{ invited: number; resent: number; skipped: { email: string; message: string }[] } | null>(null);
  const [debounced] = useDebouncedValue(emails, 200);
  const roles = useQuery(trpc.roles.list.queryOptions(undefined, { enabled: opened }));
  const accounts = useQuery(trpc.accounts.list.queryOptions(undefined, { enabled: opened }));
  const preview = useQuery(trpc.members.preview.queryOptions({ entries: debounced.map((email) => ({ email })) }, { enabled: opened && debounced.length > 0 }));
  const invite = useMutation(
    trpc.members.invite.mutationOptions({
      onSuccess: (r) => {
        setResult({ invited: r.invited.length, resent: r.resent.length, skipped: r.skipped.map((s) => ({ email: s.email, message: s.message })) });
        notifications.show({ color: 'green', title: 'Invitations sent', message: `${r.invited.length} invited${r.resent.length ? `, ${r.resent.length} resent` : ''}${r.skipped.length ? `, ${r.skipped.length} skipped` : ''}.` });
        onInvited();
      },
    }),
  );

  const defaultRole = roles.data?.find((r) => r.builtin === 'member');
  const roleIds = pickedRoleIds ?? (defaultRole ? [String(defaultRole.id)] : []);

  const close = () => {
    setEmails([]);
    setResult(null);
    invite.reset();
    onClose();
  };
  const outcomes = preview.data ?? [];
  const toInvite = outcomes.filter((o) => o.outcome === 'invite').length;
  const resendable = outcomes.filter((o) => o.outcome === 'skip' && o.reason === 'already_invited').length;
  const send = (resendExisting: boolean) =>
    invite.mutate({
      entries: emails.map((email) => ({ email })),
      grants: { roleIds: roleIds.map(Number), accountIds: accountIds.map(Number), permissions: [] },
      resendExisting,
    });

  return (
    <Modal opened={opened} onClose={close} title="Invite people" size="lg" centered>
      {result ? (
        <Stack>
          <Alert color="green" title="Invitations sent">
            {result.invited} {result.invited === 1 ? 'person was' : 'people were'} invited{result.resent ? ` and ${result.resent} invitation${result.resent === 1 ? ' was' : 's were'} sent again` : ''}. They appear as Pending until they answer.
          </Alert>
          {result.skipped.length > 0 && (
            <Stack gap={4}>
              <Text size="sm" fw={600}>Skipped</Text>
              {result.skipped.map((s) => (
                <Text key={s.email} size="sm">{s.email} — {s.message}</Text>
              ))}
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
            splitChars={[',', ' ', ';']}
            acceptValueOnBlur
            clearable
            onPaste={(e) => {
              const text = e.clipboardData.getData('text');
              if (/[,;\s]/.test(text.trim())) {
                e.preventDefault();
                setEmails((cur) => [...cur, ...splitPasted(text)]);
              }
            }}
          />
          <MultiSelect
            label="Roles"
            description="Applies to every address. A role is required."
            required
            data={(roles.data ?? []).map((r) => ({ value: String(r.id), label: r.name }))}
            value={roleIds}
            onChange={setRoleIds}
            error={roleIds.length === 0 ? 'Choose at least one role.' : undefined}
          />
          {(accounts.data ?? []).some((a) => a.parentId !== null) && (
            <MultiSelect
              label="Sub-accounts"
              description="Give access to these sub-accounts."
              data={(accounts.data ?? []).filter((a) => a.parentId !== null).map((a) => ({ value: String(a.id), label: a.path }))}
              value={accountIds}
              onChange={setAccountIds}
              clearable
            />
          )}
          {outcomes.length > 0 && (
            <Stack gap={6} role="region" aria-label="Preview">
              <Text size="sm" fw={600}>Preview: {toInvite} to invite{outcomes.length - toInvite ? `, ${outcomes.length - toInvite} skipped` : ''}</Text>
              <ScrollArea.Autosize mah={220}>
                <Stack gap={4}>
                  {outcomes.map((o, i) => (
                    <Group key={`${o.email}-${i}`} justify="space-between" wrap="nowrap">
                      <Text size="sm" truncate>{o.email}</Text>
                      {o.outcome === 'invite' ? <Badge color="green" variant="light">Will be invited</Badge> : <Badge color="gray" variant="light" title={o.message}>{o.message}</Badge>}
                    </Group>
                  ))}
                </Stack>
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
