import { Button, Group, Modal, Text } from '@mantine/core';

/**
 * One Escape closes one dialog. Mantine's Modal and Drawer each close on Escape from a window listener, and
 * React renders between two listeners of one key press: a confirmation opened by the first (the member
 * panel asking before it closes) would hear the same press and close at once. Given to each as
 * `__handledEscapeEvents` (what Mantine's own Modal.Stack uses), the first to act on a press marks it and
 * the others leave it.
 */
export const escapeHandled = new WeakSet<KeyboardEvent>();

export function ConfirmModal(props: { opened: boolean; title: string; message: string; confirmLabel: string; cancelLabel?: string; loading: boolean; onCancel(): void; onConfirm(): void }) {
  return (
    <Modal opened={props.opened} onClose={props.onCancel} title={props.title} centered __handledEscapeEvents={escapeHandled}>
      <Text size="sm" mb="lg">{props.message}</Text>
      <Group justify="flex-end">
        <Button variant="default" onClick={props.onCancel}>{props.cancelLabel ?? 'Keep'}</Button>
        <Button color="red" loading={props.loading} onClick={props.onConfirm}>{props.confirmLabel}</Button>
      </Group>
    </Modal>
  );
}
