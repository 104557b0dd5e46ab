import { Alert, Badge, Button, Divider, Drawer, Group, Loader, Stack, Text, Timeline, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useCallback, useState } from 'react';
import { ConfirmModal, escapeHandled } from './ConfirmModal';
import { AUDIT_ACTIONS, ACTION_LABELS, DESTRUCTIVE, STATUS_COLORS, STATUS_LABELS, formatDate } from './labels';
import { useMe } from '../me';
import { errorMessage, useTRPC } from '../trpc';
import { MemberAccess } from './MemberAccess';
import { MemberDetailsForm } from './MemberDetailsForm';
import { MemberSync } from './MemberSync';


/**
 * `covered`: a dialog opened from the panel (a confirmation) is above it. Mantine's Drawer and Modal each
 * close on Escape, and the panel's listener, mounted first, hears it first: it ignores that key meanwhile,
 * so one press backs out of the top layer only.
 */
export function MemberPanel({ id, covered, onClose, onAction }: { id: number | null; covered: boolean; onClose(): void; onAction(action: string, id: number, email: string): void }) {
  const trpc = useTRPC();
  const detail = useQuery(trpc.members.detail.queryOptions({ id: id ?? 0 }, { enabled: id !== null }));
  const me = useMe();
  const accounts = useQuery(trpc.accounts.list.queryOptions(undefined, { enabled: id !== null }));
  const m = detail.data;
  const accountPath = (accountId: number) => accounts.data?.find((a) => a.id === accountId)?.path ?? `#${accountId}`;
  // Typed but unsaved details or access are not lost silently: closing (Escape, outside, ×) asks first.
  const [unsaved, setUnsaved] = useState({ details: false, access: false });
  const [asking, setAsking] = useState(false);
  const [shownId, setShownId] = useState(id);
  if (shownId !== id) {
    setShownId(id);
    setUnsaved({ details: false, access: false });
    setAsking(false);
  }
  const onDetailsEdited = useCallback((edited: boolean) => setUnsaved((u) => (u.details === edited ? u : { ...u, details: edited })), []);
  const onAccessEdited = useCallback((edited: boolean) => setUnsaved((u) => (u.access === edited ? u : { ...u, access: edited })), []);
  const requestClose = () => (unsaved.details || unsaved.access ? setAsking(true) : onClose());
  return (
    <>
      <Drawer opened={id !== null} onClose={requestClose} closeOnEscape={!covered && !asking} __handledEscapeEvents={escapeHandled} position="right" size="lg" title={m ? m.name || m.email : 'Member'} data-member-panel>
        {detail.isLoading && <Loader aria-label="Loading member" />}
        {detail.error && <Alert color="red">{errorMessage(detail.error)}</Alert>}
        {m && !detail.error && (
          <Stack gap="md">
            <Group gap="xs">
              <Badge color={STATUS_COLORS[m.status]} variant="dot" size="lg">{STATUS_LABELS[m.status]}</Badge>
            </Group>
            <MemberDetailsForm key={`${m.id}-${m.email}-${m.name}-${m.phone}`} member={m} canEdit={m.actions.includes('edit') && me.permissions.includes('members.edit')} onEdited={onDetailsEdited} />
            <Field label="Invited" value={formatDate(m.invitedAt)} />
            {m.status === 'pending' && <Field label="Invitation valid until" value={formatDate(m.inviteExpiresAt)} />}
            {m.acceptedAt && <Field label="Accepted" value={formatDate(m.acceptedAt)} />}
            <div>
              <Text size="xs" c="dimmed" fw={600} tt="uppercase">Roles</Text>
              {/* Where each role applies: "Team Admin · France" (the company account goes unsaid). */}
              <Group gap={4} mt={4}>
                {m.roles.map((r) => {
                  const at = accounts.data?.find((a) => a.id === r.accountId);
                  const where = at && at.parentId !== null ? at.name : null;
                  return (
                    <Badge key={`${r.id}-${r.accountId}`} variant="light" style={{ textTransform: 'none' }} title={where ? `${r.name} at ${at!.path}` : `${r.name} in the whole organization`}>
                      {where ? `${r.name} · ${where}` : r.name}
                    </Badge>
                  );
                })}
              </Group>
            </div>
            <div>
              <Text size="xs" c="dimmed" fw={600} tt="uppercase">Sub-accounts</Text>
              {m.accountIds.length === 0 ? (
                <Text size="sm" c="dimmed">Company account only</Text>
              ) : (
                <Group gap={4} mt={4}>{m.accountIds.map((a) => <Badge key={a} variant="outline" color="gray" style={{ textTransform: 'none' }}>{accountPath(a)}</Badge>)}</Group>
              )}
            </div>
            {m.actions.length > 0 && (
              <Group gap="xs" role="group" aria-label="Member actions" data-member-actions>
                {m.actions.filter((a) => a !== 'edit').map((a) => (
                  <Button key={a} size="xs" variant="light" color={DESTRUCTIVE.has(a) ? 'red' : undefined} onClick={() => onAction(a, m.id, m.email)}>
                    {ACTION_LABELS[a] ?? a}
                  </Button>
                ))}
              </Group>
            )}
            <MemberAccess id={m.id} onEdited={onAccessEdited} />
            <MemberSync memberId={m.id} memberStatus={m.status} label={m.name || m.email} />
            <Divider />
            <Title order={3} size="h5">History</Title>
            <Timeline bulletSize={12} lineWidth={2}>
              {m.history.map((h) => (
                <Timeline.Item key={h.id} title={AUDIT_ACTIONS[h.action] ?? h.action}>
                  <Text size="xs" c="dimmed">{formatDate(h.at)} · {h.actor}</Text>
                </Timeline.Item>
              ))}
            </Timeline>
          </Stack>
        )}
      </Drawer>
      {/* After the drawer: on Discard both close at once, and the drawer's focus return (to the row) runs first. */}
      <ConfirmModal
        opened={asking}
        title="Discard unsaved changes?"
        message={`Your changes to ${unsaved.details && unsaved.access ? 'the details and the access' : unsaved.details ? 'the details' : 'the access'} of ${m ? m.name || m.email : 'this member'} are not saved.`}
        confirmLabel="Discard"
        cancelLabel="Keep editing"
        loading={false}
        onCancel={() => setAsking(false)}
        onConfirm={() => {
          setAsking(false);
          onClose();
        }}
      />
    </>
  );
}

function Field({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed" fw={600} tt="uppercase">{label}</Text>
      <Text size="sm">{value}</Text>
    </div>
  );
}
