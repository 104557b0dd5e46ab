import { Badge, Group, Tooltip, UnstyledButton } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import type { MemberDelivery } from '../api-types';
import { useMe } from '../me';
import { errorMessage, useTRPC } from '../trpc';

export const NO_MAIL_TEXT = 'No mail server is set for this organization: the invitations wait; copy or export their links.';

const LABELS: Record<MemberDelivery['status'], string> = { queued: 'Mail queued', sending: 'Mail sending', sent: 'Mail sent', failed: 'Mail failed', dropped: 'Mail not sent' };
const COLORS: Record<MemberDelivery['status'], string> = { queued: 'gray', sending: 'blue', sent: 'teal', failed: 'red', dropped: 'gray' };

/** The latest mail to a member, with a retry for a failed one. */
export function DeliveryBadge({ memberId, delivery }: { memberId: number; delivery?: MemberDelivery | null }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const me = useMe();
  const navigate = useNavigate();
  // One query for every row (React Query shares it): a queued mail with no server to go to says so.
  const status = useQuery(trpc.mail.status.queryOptions(undefined, { enabled: delivery?.status === 'queued' && me.permissions.includes('members.invite'), staleTime: 30_000 }));
  const retry = useMutation(
    trpc.mail.retry.mutationOptions({
      onSuccess: () => {
        notifications.show({ color: 'green', title: 'Mail queued again', message: 'Roster will send it now.' });
        void qc.invalidateQueries();
      },
      onError: (e) => notifications.show({ color: 'red', title: 'Not retried', message: errorMessage(e) }),
    }),
  );
  if (!delivery) return null;
  const reasonId = `delivery-reason-${memberId}`;
  const waiting = delivery.status === 'queued' && status.data?.configured === false;
  // The reason is focusable and described, so keyboard and screen-reader users learn why too.
  const badge = (
    <Badge size="xs" variant="light" color={COLORS[delivery.status]} data-delivery={delivery.status} tabIndex={delivery.error ? 0 : undefined} aria-describedby={delivery.error ? reasonId : undefined}>
      {LABELS[delivery.status]}
      {delivery.error && <span id={reasonId} className="visually-hidden">{delivery.error}</span>}
    </Badge>
  );
  if (waiting)
    return (
      <Tooltip label={NO_MAIL_TEXT} multiline w={320}>
        <Badge
          component="a"
          href="#/mail"
          size="xs"
          variant="light"
          color="yellow"
          data-delivery="no-server"
          // Never cut to "NO …" by a narrow Status cell: the expiry date beside it gives way instead.
          style={{ cursor: 'pointer', flexShrink: 0, overflow: 'visible' }}
          onClick={(e) => {
            e.preventDefault();
            e.stopPropagation();
            void navigate('/mail');
          }}
        >
          No server<span className="visually-hidden">{` (Mail queued) ${NO_MAIL_TEXT} Open Mail settings.`}</span>
        </Badge>
      </Tooltip>
    );
  return (
    <Group gap={4} wrap="nowrap" style={{ flexShrink: 0 }} onClick={(e) => e.stopPropagation()}>
      {delivery.error ? <Tooltip label={delivery.error} multiline w={320}>{badge}</Tooltip> : badge}
      {delivery.status === 'failed' && (
        <UnstyledButton fz="xs" c="blue" aria-label="Retry mail" onClick={() => retry.mutate({ memberId })} disabled={retry.isPending}>
          Retry
        </UnstyledButton>
      )}
    </Group>
  );
}
