import { Alert, Button, Group, NumberInput, Paper, PasswordInput, SegmentedControl, Stack, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useRefusalOnForm } from '../form-errors';
import { errorMessage, useTRPC } from '../trpc';
import { useMe } from '../me';
import { TemplateEditor } from '../components/TemplateEditor';

type Security = 'none' | 'starttls' | 'tls';
const DEFAULT_PORT: Record<Security, number> = { none: 25, starttls: 587, tls: 465 };

function download(name: string, type: string, content: string): void {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function MailPage() {
  const me = useMe();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const canManage = me.orgPermissions.includes('settings.manage');
  const canInvite = me.permissions.includes('members.invite');
  const settings = useQuery({ ...trpc.mail.getSettings.queryOptions(), enabled: canManage });
  const status = useQuery({ ...trpc.mail.status.queryOptions(), enabled: canInvite });
  const form = useForm({
    initialValues: { host: '', port: 587, security: 'starttls' as Security, username: '', password: '', fromName: '', fromAddress: '' },
  });
  useEffect(() => {
    const s = settings.data;
    if (!s) return;
    const values = { host: s.host, port: s.port, security: s.security, username: s.username ?? '', password: '', fromName: s.fromName ?? '', fromAddress: s.fromAddress };
    form.setValues(values);
    // The saved values are the baseline: an edit after them is an unsaved change the test mail would not use.
    form.resetDirty(values);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [settings.data]);
  const save = useMutation(
    trpc.mail.updateSettings.mutationOptions({
      onSuccess: () => {
        notifications.show({ color: 'green', title: 'Mail settings saved', message: 'Queued mail will be sent through this server.' });
        form.setFieldValue('password', '');
        // What is in the form is now what is saved (the refetch may bring back equal data, and no effect runs).
        form.resetDirty({ ...form.getValues(), password: '' });
        void qc.invalidateQueries();
      },
    }),
  );
  const refused = useRefusalOnForm(form, save.error);
  const test = useMutation(trpc.mail.sendTest.mutationOptions());
  const unsaved = form.isDirty();
  const exportLinks = useMutation(trpc.mail.exportPendingLinks.mutationOptions());

  const doExport = async (format: 'csv' | 'html') => {
    const out = await exportLinks.mutateAsync();
    const stamp = new Date().toISOString().slice(0, 10);
    if (format === 'csv') download(`pending-invitations-${stamp}.csv`, 'text/csv;charset=utf-8', out.csv);
    else download(`pending-invitations-${stamp}.html`, 'text/html;charset=utf-8', out.html);
    notifications.show({ color: 'green', title: 'Links exported', message: `${out.count} pending ${out.count === 1 ? 'invitation' : 'invitations'}; emailed links keep working.` });
  };

  return (
    <Stack maw={760}>
      <div>
        <Title order={1} size="h2">Mail</Title>
        <Text c="dimmed" size="sm">How {me.organization.name} sends invitations, reminders, reactivations and password resets.</Text>
      </div>
      {status.data && !status.data.configured && (
        <Alert color="yellow" title="No mail server is set for this organization">
          Invitations wait until one is set. {canManage ? 'Set it below' : 'Ask an admin who manages settings to set one'}; meanwhile copy each link from its member’s menu, or export them all under “Without mail”.
        </Alert>
      )}
      {canManage && (
        <Paper withBorder p="lg">
          <form
            onSubmit={form.onSubmit((v) =>
              save.mutate({ host: v.host, port: v.port, security: v.security, username: v.username || null, password: v.password ? v.password : undefined, fromName: v.fromName || null, fromAddress: v.fromAddress }),
            )}
          >
            <Stack>
              <Title order={2} size="h4">SMTP server</Title>
              {settings.data?.source === 'environment' && <Alert color="blue">This server comes from ROSTER_SMTP_URL. Saving here gives {me.organization.name} its own.</Alert>}
              {refused && <Alert color="red" title="Not saved">{refused}</Alert>}
              <TextInput label="Host" placeholder="smtp.example.org" required {...form.getInputProps('host')} />
              <div>
                <Text size="sm" fw={500} id="mail-security-label">Security</Text>
                <SegmentedControl
                  aria-labelledby="mail-security-label"
                  data={[{ value: 'none', label: 'None' }, { value: 'starttls', label: 'STARTTLS' }, { value: 'tls', label: 'TLS' }]}
                  value={form.values.security}
                  onChange={(v) => {
                    form.setFieldValue('security', v as Security);
                    form.setFieldValue('port', DEFAULT_PORT[v as Security]);
                  }}
                />
              </div>
              <NumberInput label="Port" min={1} max={65535} required {...form.getInputProps('port')} />
              <TextInput label="User name" autoComplete="off" {...form.getInputProps('username')} />
              <PasswordInput
                label="Password"
                autoComplete="new-password"
                description={settings.data?.hasPassword ? 'A password is stored (encrypted). Leave empty to keep it.' : 'Stored encrypted; never shown again.'}
                {...form.getInputProps('password')}
              />
              <TextInput label="Sender name" placeholder={me.organization.name} {...form.getInputProps('fromName')} />
              <TextInput label="Sender address" placeholder="roster@example.org" required {...form.getInputProps('fromAddress')} />
              {settings.data && <Text size="xs" c="dimmed">Links in mails start with {settings.data.publicBaseUrl || '(not set)'}.</Text>}
              <Group justify="flex-end">
                {/* The test sends with the saved settings (the stored password never comes back to this page): not with unsaved edits. */}
                <Button variant="default" loading={test.isPending} disabled={unsaved} title={unsaved ? 'Save the settings first: the test uses the saved settings' : undefined} onClick={() => test.mutate({})}>
                  Send test mail
                </Button>
                <Button type="submit" loading={save.isPending}>Save mail settings</Button>
              </Group>
              {test.error && <Alert color="red" title="Test mail not sent" role="alert">{errorMessage(test.error)}</Alert>}
              {test.data && <Alert color="green" title="Test mail sent">Sent to {test.data.to}.</Alert>}
            </Stack>
          </form>
        </Paper>
      )}
      {canManage && <TemplateEditor mailConfigured={!!settings.data && settings.data.source !== 'none'} />}
      {canInvite && (
        <Paper withBorder p="lg">
          <Stack>
            <Title order={2} size="h4">Without mail</Title>
            <Text size="sm">Export a new link for every pending invitation, as a spreadsheet or as a sheet to print with a QR code per person. Each export replaces the links of earlier exports (hand out the latest one); the link in an invitation mail still waiting to be sent keeps working.</Text>
            {exportLinks.error && <Alert color="red" title="Not exported">{errorMessage(exportLinks.error)}</Alert>}
            <Group>
              <Button variant="default" loading={exportLinks.isPending} onClick={() => void doExport('csv').catch(() => undefined)}>Export links (CSV)</Button>
              <Button variant="default" loading={exportLinks.isPending} onClick={() => void doExport('html').catch(() => undefined)}>Printable sheet with QR codes</Button>
            </Group>
          </Stack>
        </Paper>
      )}
    </Stack>
  );
}
