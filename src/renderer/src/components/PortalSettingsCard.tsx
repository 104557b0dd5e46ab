import { Alert, Button, Group, NumberInput, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useRefusalOnForm } from '../form-errors';
import { isElectron, useTRPC } from '../trpc';

/** Where the invitee pages listen (desktop app only) and the address that emailed links start with. */
export function PortalSettingsCard() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const settings = useQuery(trpc.portal.settings.queryOptions());
  const form = useForm({ initialValues: { host: '127.0.0.1', port: 8450, publicBaseUrl: '', tlsCertPath: '', tlsKeyPath: '' } });
  useEffect(() => {
    if (settings.data)
      form.setValues({ host: settings.data.host, port: settings.data.port, publicBaseUrl: settings.data.publicBaseUrl ?? '', tlsCertPath: settings.data.tlsCertPath ?? '', tlsKeyPath: settings.data.tlsKeyPath ?? '' });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [settings.data]);
  const save = useMutation(
    trpc.portal.updateSettings.mutationOptions({
      onSuccess: (r) => {
        notifications.show({ color: 'green', title: 'Invitee pages saved', message: `Links now start with ${r.effectiveBaseUrl}` });
        void qc.invalidateQueries({ queryKey: trpc.portal.pathKey() });
      },
    }),
  );
  const refused = useRefusalOnForm(form, save.error);
  return (
    <Paper withBorder p="lg">
      <form onSubmit={form.onSubmit((v) => save.mutate(v))}>
        <Stack>
          <div>
            <Title order={2} size="h4">Invitee pages</Title>
            <Text size="sm" c="dimmed">
              Roster serves the pages people open from their invitation.{' '}
              {isElectron
                ? 'They listen on this computer at the address and port below.'
                : 'In web mode they are served by the console itself, at its own address and port (the one Roster was started with): there is no separate address or port to set here.'}{' '}
              Links currently start with <b>{settings.data?.effectiveBaseUrl ?? '…'}</b>.
            </Text>
          </div>
          {refused && <Alert color="red" title="Not saved">{refused}</Alert>}
          {/* The listener (address, port, certificate) exists in the desktop app only: in web mode these fields would show
              a port nothing listens on (8450) beside links at the console's real one. */}
          {isElectron && (
            <Group grow align="flex-start">
              <TextInput label="Listen on address" description="127.0.0.1 keeps them on this computer." {...form.getInputProps('host')} />
              <NumberInput label="Port" min={1} max={65535} {...form.getInputProps('port')} />
            </Group>
          )}
          <TextInput
            label="Public address for links"
            description={`How invitees reach these pages, e.g. https://join.example.com. Empty: ${isElectron ? 'the address above' : 'the console’s own address'}.`}
            {...form.getInputProps('publicBaseUrl')}
          />
          {isElectron && (
            <Group grow align="flex-start">
              <TextInput label="Certificate file (PEM)" description="Needed to listen beyond this computer." {...form.getInputProps('tlsCertPath')} />
              <TextInput label="Private key file (PEM)" {...form.getInputProps('tlsKeyPath')} />
            </Group>
          )}
          <Group justify="flex-end">
            <Button type="submit" loading={save.isPending}>Save invitee pages</Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}
