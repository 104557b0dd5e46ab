import { Button, Group, SimpleGrid, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { addressLabel, addressProblem, parseAddressLines } from '../../../shared/address-lines';

/** The invite dialog's address chips: their model, the keys the chips input uses, and the chip editor. */

/** A typed or pasted address: a chip, editable to add a name or phone. */
export interface Chip {
  email: string;
  name: string | null;
  phone: string | null;
}
export const chipLabel = (c: Chip) => addressLabel(c);

/** The input's value for chip i: its index, so that two equal chips stay apart, then its label. */
const KEY_SEP = '\u2063';
export const chipKey = (c: Chip, i: number) => `${i}${KEY_SEP}${chipLabel(c)}`;
export const keyIndex = (value: string): number | null => {
  const m = /^(\d+)\u2063/.exec(value);
  return m ? Number(m[1]) : null;
};

/** Rebuilds the chips from the input's values: known keys keep their chip, new text is parsed into one or more. */
export function nextChips(chips: Chip[], values: string[]): Chip[] {
  return values.flatMap((v) => {
    const i = keyIndex(v);
    if (i !== null && chips[i]) return [chips[i]];
    return parseAddressLines(v).map((a) => ({ ...a, phone: null }));
  });
}

/** The chip editor: address, name and phone of one typed address. */
export function ChipEditor({ chip, onSave, onCancel }: { chip: Chip; onSave(c: Chip): void; onCancel(): void }) {
  const [draft, setDraft] = useState(chip);
  return (
    <form
      aria-label={`Edit ${chip.email}`}
      onSubmit={(e) => {
        e.preventDefault();
        onSave({ email: draft.email.trim(), name: draft.name?.trim() || null, phone: draft.phone?.trim() || null });
      }}
    >
      <Text size="sm" fw={600} mb="xs">{chip.email}</Text>
      <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="xs">
        <TextInput label="Email" size="xs" value={draft.email} onChange={(e) => { const v = e.currentTarget.value; setDraft((d) => ({ ...d, email: v })); }} error={draft.email.trim() ? addressProblem(draft.email) : undefined} />
        {/* Opened by a click on a chip: the name is what the admin came to add. */}
        {/* oxlint-disable-next-line jsx-a11y/no-autofocus */}
        <TextInput autoFocus label="Name" size="xs" value={draft.name ?? ''} onChange={(e) => { const v = e.currentTarget.value; setDraft((d) => ({ ...d, name: v })); }} />
        <TextInput label="Phone" size="xs" placeholder="+33 6 12 34 56 78" value={draft.phone ?? ''} onChange={(e) => { const v = e.currentTarget.value; setDraft((d) => ({ ...d, phone: v })); }} />
      </SimpleGrid>
      <Group justify="flex-end" gap="xs" mt="xs">
        <Button size="xs" variant="default" onClick={onCancel}>Cancel</Button>
        <Button size="xs" type="submit" disabled={!draft.email.trim()}>Save</Button>
      </Group>
    </form>
  );
}
