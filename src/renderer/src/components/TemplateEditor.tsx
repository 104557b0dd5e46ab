import { Alert, Anchor, Button, Code, Group, List, Paper, Stack, Tabs, Text, Textarea, TextInput, Title, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import {
  checkTemplate,
  PLACEHOLDER_LABELS,
  renderTemplate,
  templateParagraphs,
  type PlaceholderName,
  type TemplateKind,
  type TemplateValues,
} from '../../../shared/mail-templates';
import type { RouterOutputs } from '../api-types';
import { errorMessage, useTRPC } from '../trpc';
import { ConfirmModal } from './ConfirmModal';

type Field = 'subject' | 'body';

/** One mail kind as the server lists it (`version` 0: never saved). */
type Stored = RouterOutputs['mailTemplates']['list']['templates'][number];

/** The mail template editor on the Mail page: one tab per kind of mail. */
export function TemplateEditor(props: { mailConfigured: boolean }) {
  const trpc = useTRPC();
  const list = useQuery(trpc.mailTemplates.list.queryOptions());
  const [kind, setKind] = useState<TemplateKind>('invitation');
  // Drafts live here, not in the form, so switching to another mail's tab and back keeps unsaved wording.
  // Keyed by kind and stored version: once a save lands (a new version), the draft gives way to what was saved.
  const [drafts, setDrafts] = useState<Record<string, Draft>>({});
  if (list.error) return <Alert color="red" title="Templates not loaded">{errorMessage(list.error)}</Alert>;
  if (!list.data) return <Text size="sm">Loading templates…</Text>;
  const current = list.data.templates.find((t) => t.kind === kind)!;
  return (
    <Paper withBorder p="lg">
      <Stack>
        <div>
          <Title order={2} size="h4">Mail templates</Title>
          <Text size="sm" c="dimmed">The wording of each mail. Templates are plain text: a blank line starts a paragraph, and nothing you type becomes HTML.</Text>
        </div>
        <Tabs value={kind} onChange={(v) => v && setKind(v as TemplateKind)}>
          <Tabs.List aria-label="Mail templates">
            {list.data.templates.map((t) => (
              <Tabs.Tab key={t.kind} value={t.kind}>
                {t.label}
                {t.custom ? ' (edited)' : ''}
                {isUnsaved(t, drafts[draftKey(t)]) ? ' (unsaved changes)' : ''}
              </Tabs.Tab>
            ))}
          </Tabs.List>
        </Tabs>
        <TemplateForm
          key={draftKey(current)}
          stored={current}
          draft={drafts[draftKey(current)] ?? { subject: current.subject, body: current.body }}
          setDraft={(d) => setDrafts((all) => ({ ...all, [draftKey(current)]: d }))}
          sample={list.data.sample}
          mailConfigured={props.mailConfigured}
          onReload={() => void list.refetch()}
        />
      </Stack>
    </Paper>
  );
}

interface Draft {
  subject: string;
  body: string;
}

const draftKey = (t: Stored) => `${t.kind}:${t.version}`;
const isUnsaved = (t: Stored, d: Draft | undefined) => !!d && (d.subject !== t.subject || d.body !== t.body);

function TemplateForm(props: { stored: Stored; draft: Draft; setDraft(d: Draft): void; sample: TemplateValues; mailConfigured: boolean; onReload(): void }) {
  const { stored, sample, draft, setDraft } = props;
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [confirmReset, setConfirmReset] = useState(false);
  const lastField = useRef<Field>('body');
  const subjectRef = useRef<HTMLInputElement>(null);
  const bodyRef = useRef<HTMLTextAreaElement>(null);
  const pendingCaret = useRef<{ field: Field; at: number } | null>(null);

  useEffect(() => {
    const p = pendingCaret.current;
    if (!p) return;
    pendingCaret.current = null;
    const el = p.field === 'subject' ? subjectRef.current : bodyRef.current;
    el?.focus();
    el?.setSelectionRange(p.at, p.at);
  }, [draft]);

  const done = (title: string, message: string) => {
    notifications.show({ color: 'green', title, message });
    void qc.invalidateQueries({ queryKey: trpc.mailTemplates.list.queryKey() });
    void qc.invalidateQueries({ queryKey: trpc.audit.pathKey() });
  };
  const save = useMutation(trpc.mailTemplates.save.mutationOptions({ onSuccess: () => done('Template saved', `${stored.label} mails now use this wording.`) }));
  const reset = useMutation(
    trpc.mailTemplates.reset.mutationOptions({
      onSuccess: () => {
        setConfirmReset(false);
        done('Template reset', `${stored.label} mails use the default wording again.`);
      },
    }),
  );
  const test = useMutation(trpc.mailTemplates.sendTest.mutationOptions({ onSuccess: (r) => notifications.show({ color: 'green', title: 'Test mail queued', message: `Sent to ${r.to} through the mail queue; it arrives in a moment.` }) }));

  const problems = checkTemplate(stored.kind, draft);
  const dirty = draft.subject !== stored.subject || draft.body !== stored.body;
  const preview = problems.length ? null : renderTemplate(draft, sample);
  const error = save.error ?? reset.error ?? test.error;

  const insert = (name: PlaceholderName) => {
    const field = lastField.current;
    const el = field === 'subject' ? subjectRef.current : bodyRef.current;
    const value = draft[field];
    const start = el?.selectionStart ?? value.length;
    const end = el?.selectionEnd ?? value.length;
    const token = `{{${name}}}`;
    pendingCaret.current = { field, at: start + token.length };
    setDraft({ ...draft, [field]: value.slice(0, start) + token + value.slice(end) });
  };

  const saveWhy = problems.length ? 'Fix the problems listed above first.' : !dirty ? 'Nothing changed since the last save.' : null;
  const testWhy = problems.length ? 'Fix the problems listed above first.' : !props.mailConfigured ? 'Set up the SMTP server above first.' : null;

  return (
    <Stack>
      <TextInput
        label="Subject"
        ref={subjectRef}
        value={draft.subject}
        onFocus={() => (lastField.current = 'subject')}
        onChange={(e) => setDraft({ ...draft, subject: e.currentTarget.value })}
      />
      <Textarea
        label="Body"
        ref={bodyRef}
        autosize
        minRows={8}
        maxRows={20}
        value={draft.body}
        onFocus={() => (lastField.current = 'body')}
        onChange={(e) => setDraft({ ...draft, body: e.currentTarget.value })}
      />
      <div>
        <Text size="sm" fw={500} id={`placeholders-${stored.kind}`}>Placeholders (click to insert where the cursor was)</Text>
        <Group gap="xs" mt={4} role="group" aria-labelledby={`placeholders-${stored.kind}`}>
          {stored.placeholders.map((p) => (
            <Tooltip key={p} label={PLACEHOLDER_LABELS[p]}>
              <Button size="compact-sm" variant="light" aria-label={`Insert {{${p}}}: ${PLACEHOLDER_LABELS[p]}`} onClick={() => insert(p)}>
                {`{{${p}}}`}
                {stored.required.includes(p) ? ' *' : ''}
              </Button>
            </Tooltip>
          ))}
        </Group>
      </div>
      {problems.length > 0 && (
        <Alert color="red" title="This template cannot be saved yet" role="alert">
          <List size="sm">
            {problems.map((p) => (
              <List.Item key={p.message}>{p.message}</List.Item>
            ))}
          </List>
        </Alert>
      )}
      {error && (
        <Alert color="red" title="Not done" role="alert">
          {errorMessage(error)}{' '}
          {save.error && /reload/i.test(errorMessage(save.error)) && (
            <Anchor component="button" type="button" onClick={props.onReload}>Reload the template</Anchor>
          )}
        </Alert>
      )}
      <Group justify="space-between">
        <Tooltip label={stored.custom ? 'Put the built-in wording back' : 'This mail already uses the built-in wording'}>
          <Button variant="default" color="red" disabled={!stored.custom} onClick={() => setConfirmReset(true)}>Reset to default</Button>
        </Tooltip>
        <Group>
          <Tooltip label={testWhy ?? 'Sends this wording, with the sample values, to your own address'}>
            <Button variant="default" disabled={!!testWhy} loading={test.isPending} onClick={() => test.mutate({ kind: stored.kind, ...draft })}>Send a test to me</Button>
          </Tooltip>
          <Tooltip label={saveWhy ?? `Use this wording for every ${stored.label.toLowerCase()} mail`}>
            <Button disabled={!!saveWhy} loading={save.isPending} onClick={() => save.mutate({ kind: stored.kind, version: stored.version, ...draft })}>Save template</Button>
          </Tooltip>
        </Group>
      </Group>
      {(saveWhy || testWhy) && <Text size="xs" c="dimmed">{saveWhy ? `Save: ${saveWhy}` : ''} {testWhy ? `Test: ${testWhy}` : ''}</Text>}
      {preview && <Preview subject={preview.subject} text={preview.text} html={preview.html} body={draft.body} sample={sample} />}
      <ConfirmModal
        opened={confirmReset}
        title={`Reset the ${stored.label.toLowerCase()} template?`}
        message={`Your wording is replaced by the built-in one for every ${stored.label.toLowerCase()} mail sent from now on. This cannot be undone.`}
        confirmLabel="Reset to default"
        loading={reset.isPending}
        onCancel={() => setConfirmReset(false)}
        onConfirm={() => reset.mutate({ kind: stored.kind, version: stored.version })}
      />
    </Stack>
  );
}

/** The preview with sample values: the HTML part as it looks (built as elements, never as markup), its source, and the text part. */
function Preview(props: { subject: string; text: string; html: string; body: string; sample: TemplateValues }) {
  return (
    <section aria-label="Preview">
      <Title order={3} size="h5" mb="xs">Preview with sample values</Title>
      <Text size="sm" mb="xs">
        <b>Subject:</b> <span data-testid="preview-subject">{props.subject}</span>
      </Text>
      <Tabs defaultValue="html">
        <Tabs.List aria-label="Preview format">
          <Tabs.Tab value="html">HTML</Tabs.Tab>
          <Tabs.Tab value="text">Text</Tabs.Tab>
          <Tabs.Tab value="source">HTML source</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="html" pt="xs">
          <Paper withBorder p="sm" aria-label="HTML preview" role="document">
            {templateParagraphs(props.body, props.sample).map((runs, i) => (
              <Text key={i} size="sm" mb="xs" style={{ whiteSpace: 'pre-wrap' }}>
                {runs.map((r, j) => ('link' in r ? <Anchor key={j} href={r.link} target="_blank" rel="noreferrer">{r.link}</Anchor> : <span key={j}>{r.text}</span>))}
              </Text>
            ))}
          </Paper>
        </Tabs.Panel>
        <Tabs.Panel value="text" pt="xs">
          <Code block aria-label="Text preview">{props.text}</Code>
        </Tabs.Panel>
        <Tabs.Panel value="source" pt="xs">
          <Code block aria-label="HTML source">{props.html}</Code>
        </Tabs.Panel>
      </Tabs>
    </section>
  );
}
