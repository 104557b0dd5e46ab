import { Alert, Button, Group, Stack, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { MemberDetail } from '../api-types';
import { errorMessage, useTRPC } from '../trpc';

type Details = Pick<MemberDetail, 'id' | 'email' | 'name' | 'phone' | 'status' | 'version'>;

/**
 * Name, phone and, until the person accepts, the email address: editable in the side panel. `onEdited`
 * hears whether the fields hold unsaved changes (the panel asks before closing on them).
 */
export function MemberDetailsForm({ member, canEdit, onEdited }: { member: Details; canEdit: boolean; onEdited(edited: boolean): void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const emailEditable = member.status === 'pending' || member.status === 'expired';
  const [email, setEmail] = useState(member.email);
  const [name, setName] = useState(member.name ?? '');
  const [phone, setPhone] = useState(member.phone ?? '');
  // What was last saved, until the panel reads the member back (and this form starts afresh with it).
  const [savedAs, setSavedAs] = useState<string | null>(null);
  const current = JSON.stringify([email, name, phone]);
  const save = useMutation(
    trpc.members.edit.mutationOptions({
      onSuccess: () => {
        setSavedAs(current);
        notifications.show({ color: 'green', title: 'Saved', message: email !== member.email ? `Details saved; a new invitation link went to ${email}.` : 'Details saved.' });
        void qc.invalidateQueries({ queryKey: trpc.members.pathKey() });
      },
    }),
  );
  const changed = email !== member.email || name !== (member.name ?? '') || phone !== (member.phone ?? '');
  const edited = changed && current !== savedAs;
  useEffect(() => {
    onEdited(edited);
    return () => onEdited(false);
  }, [edited, onEdited]);
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        // With the version the panel was read at: a save over another admin's newer change is refused (team mode).
        save.mutate({ id: member.id, version: member.version, name: name || null, phone: phone || null, ...(emailEditable && email !== member.email ? { email } : {}) });
      }}
    >
      <Stack gap="xs">
        {save.error && <Alert color="red" title="Not saved">{errorMessage(save.error)}</Alert>}
        <TextInput
          label="Email"
          value={email}
          onChange={(e) => setEmail(e.currentTarget.value)}
          disabled={!canEdit || !emailEditable}
          description={emailEditable ? 'Changing it sends a new link to the new address; the old link stops working.' : 'The address cannot change once the person has accepted: invite the new address instead.'}
        />
        <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} disabled={!canEdit} />
        <TextInput label="Phone" value={phone} onChange={(e) => setPhone(e.currentTarget.value)} disabled={!canEdit} placeholder="+33 6 12 34 56 78" />
        {canEdit && (
          <Group justify="flex-end">
            <Button type="submit" size="xs" disabled={!changed} loading={save.isPending}>Save details</Button>
          </Group>
        )}
      </Stack>
    </form>
  );
}
