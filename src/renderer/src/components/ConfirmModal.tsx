import { Button, Group, Modal, Text } from '@mantine/core';

export function ConfirmModal(props: { opened: boolean; title: string; message: string; confirmLabel: string; cancelLabel?: string; loading: boolean; onCancel(): void; onConfirm(): void }) {
  return (
    <Modal opened={props.opened} onClose={props.onCancel} title={props.title} centered>
      <Text size="sm" mb="lg">{props.message}</Text>
      <Group justify="flex-end">
        <Button variant="default" onClick={props.onCancel}>{props.cancelLabel ?? 'Keep'}</Button>
        <Button color="red" loading={props.loading} onClick={props.onConfirm}>{props.confirmLabel}</Button>
      </Group>
    </Modal>
  );
}
