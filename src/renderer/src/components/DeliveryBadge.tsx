import { Badge, Group, Tooltip, UnstyledButton } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { MemberDelivery } from '../api-types';
import { errorMessage, useTRPC } from '../trpc';

const LABELS: Record<MemberDelivery['status'], string> = { queued: 'Mail queued', sending: 'Mail sending', sent: 'Mail sent', failed: 'Mail failed', dropped: 'Mail not sent' };
const COLORS: Record<MemberDelivery['status'], string> = { queued: 'gray', sending: 'blue', sent: 'teal', failed: 'red', dropped: 'gray' };

/** The latest mail to a member, with a retry for a failed one. */
export function DeliveryBadge({ memberId, delivery }: { memberId: number; delivery?: MemberDelivery | null }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
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
  // The reason is focusable and described, so keyboard and screen-reader users learn why too.
  const badge = (
    <Badge size="xs" variant="light" color={COLORS[delivery.status]} data-delivery={delivery.status} tabIndex={delivery.error ? 0 : undefined} aria-describedby={delivery.error ? reasonId : undefined}>
      {LABELS[delivery.status]}
      {delivery.error && <span id={reasonId} className="visually-hidden">{delivery.error}</span>}
    </Badge>
  );
  return (
    <Group gap={4} wrap="nowrap" onClick={(e) => e.stopPropagation()}>
      {delivery.error ? <Tooltip label={delivery.error} multiline w={320}>{badge}</Tooltip> : badge}
      {delivery.status === 'failed' && (
        <UnstyledButton fz="xs" c="blue" aria-label="Retry mail" onClick={() => retry.mutate({ memberId })} disabled={retry.isPending}>
          Retry
        </UnstyledButton>
      )}
    </Group>
  );
}
