import { Alert, Button, Checkbox, Group, NumberInput, Paper, Select, Stack, TagsInput, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { BackupsCard } from '../components/BackupsCard';
import { OrgTransferSettings } from '../components/OrgTransferCard';
import { PortalSettingsCard } from '../components/PortalSettingsCard';
import { useRefusalOnForm } from '../form-errors';
import { useTRPC } from '../trpc';
import { useMe } from '../me';

export function SettingsPage() {
  const me = useMe();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const settings = useQuery(trpc.organizations.settings.queryOptions());
  // `version`: the one the form was read at goes back with the save; a save over another admin's newer one is refused (team mode).
  const form = useForm({
    initialValues: { name: '', invitationValidityDays: 7, allowDomains: [] as string[], denyDomains: [] as string[], blockDisposable: true, requirePhone: false, smsWebhookUrl: null as string | null, timeZone: 'UTC', idleLockMinutes: 15, version: undefined as number | undefined },
    // The fields do not clamp: an out-of-range number is refused with the range, never silently replaced and saved.
    validate: {
      invitationValidityDays: (v) => wholeInRange(v, 1, 90, 'days'),
      idleLockMinutes: (v) => wholeInRange(v, 1, 1440, 'minutes'),
    },
  });
  useEffect(() => {
    if (settings.data) form.setValues(settings.data);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [settings.data]);
  const save = useMutation(
    trpc.organizations.updateSettings.mutationOptions({
      onSuccess: () => {
        notifications.show({ color: 'green', title: 'Settings saved', message: 'The organization settings were updated.' });
        void qc.invalidateQueries();
      },
    }),
  );
  const refused = useRefusalOnForm(form, save.error);
  // Settings apply to the whole organization: they need the permission at the company account.
  const canEdit = me.orgPermissions.includes('settings.manage');
  return (
    <Stack maw={640}>
      <div>
        <Title order={1} size="h2">Settings</Title>
        <Text c="dimmed" size="sm">How {me.organization.name} invites people.</Text>
      </div>
      <Paper withBorder p="lg">
        <form onSubmit={form.onSubmit((v) => save.mutate(v))}>
          {/* Not editable until the saved values are in: an edit made earlier would be overwritten by them. */}
          <fieldset disabled={!canEdit || !settings.data} aria-busy={!settings.data} style={{ border: 0, padding: 0, margin: 0 }}>
            <Stack>
              {refused && <Alert color="red" title="Not saved">{refused}</Alert>}
              <TextInput label="Organization name" required {...form.getInputProps('name')} />
              <NumberInput label="Invitations are valid for (days)" min={1} max={90} clampBehavior="none" allowDecimal={false} {...form.getInputProps('invitationValidityDays')} />
              <TagsInput label="Allowed domains" description="Only these domains may be invited. Leave empty to allow any." {...form.getInputProps('allowDomains')} />
              <TagsInput label="Blocked domains" description="These domains may never be invited." {...form.getInputProps('denyDomains')} />
              <Checkbox label="Refuse disposable email addresses" {...form.getInputProps('blockDisposable', { type: 'checkbox' })} />
              <Checkbox label="Ask invitees for a mobile number verified by a code" {...form.getInputProps('requirePhone', { type: 'checkbox' })} />
              <TextInput label="SMS gateway address" description="Roster POSTs {to, code, text} as JSON here to text invitees their code." placeholder="https://sms.example.com/send" value={form.values.smsWebhookUrl ?? ''} onChange={(e) => form.setFieldValue('smsWebhookUrl', e.currentTarget.value || null)} error={form.errors.smsWebhookUrl} />
              <Select label="Time zone" description="Used for dates in emails. Type a city to find it, e.g. Paris." searchable allowDeselect={false} nothingFoundMessage="No time zone by that name" data={timeZoneOptions(form.values.timeZone)} {...form.getInputProps('timeZone')} />
              <NumberInput label="Lock the console after idle minutes" min={1} max={1440} clampBehavior="none" allowDecimal={false} {...form.getInputProps('idleLockMinutes')} />
              {canEdit && (
                <Group justify="flex-end">
                  <Button type="submit" loading={save.isPending}>Save settings</Button>
                </Group>
              )}
            </Stack>
          </fieldset>
        </form>
      </Paper>
      {me.installOwner && <PortalSettingsCard />}
      {me.installOwner && <BackupsCard />}
      <OrgTransferSettings />
    </Stack>
  );
}

/** The time zones this runtime knows (the server checks with the same Intl), with the saved one even if it is not among them. */
function timeZoneOptions(current: string): { value: string; label: string }[] {
  const zones = new Set(['UTC', ...Intl.supportedValuesOf('timeZone')]);
  if (current) zones.add(current);
  return [...zones].map((z) => ({ value: z, label: z.replaceAll('_', ' ') }));
}

/** A whole number between min and max, or the message that says the allowed range. */
function wholeInRange(v: unknown, min: number, max: number, unit: string): string | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isInteger(n) && n >= min && n <= max ? null : `Enter a whole number of ${unit} between ${min} and ${max}.`;
}
