import { Alert, Button, Group, Modal, Stack, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { errorMessage, useTRPC } from '../trpc';

/** An Owner creates another organization on this install, becomes its Owner and switches to it. */
export function NewOrganizationModal({ opened, onClose }: { opened: boolean; onClose(): void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [name, setName] = useState('');
  const switchOrg = useMutation(trpc.auth.switchOrganization.mutationOptions({ onSuccess: () => qc.invalidateQueries() }));
  const create = useMutation(
    trpc.organizations.create.mutationOptions({
      onSuccess: (org) => {
        notifications.show({ color: 'green', title: 'Organization created', message: `You are the Owner of ${org.name}.` });
        setName('');
        onClose();
        switchOrg.mutate({ organizationId: org.id });
      },
    }),
  );
  return (
    <Modal opened={opened} onClose={onClose} title="New organization" centered>
      <form onSubmit={(e) => { e.preventDefault(); create.mutate({ name }); }}>
        <Stack>
          <Text size="sm" c="dimmed">It gets its own members, roles, sub-accounts and settings. You will be its Owner; switch between organizations from the header.</Text>
          {create.error && <Alert color="red" title="Not created">{errorMessage(create.error)}</Alert>}
          <TextInput label="Organization name" required value={name} onChange={(e) => setName(e.currentTarget.value)} data-autofocus />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>Cancel</Button>
            <Button type="submit" loading={create.isPending}>Create organization</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
