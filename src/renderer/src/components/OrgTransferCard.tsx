import { Alert, Button, FileInput, Group, List, Paper, Progress, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { TRPCClientError } from '@trpc/client';
import { useCallback, useState } from 'react';
import { useMe } from '../me';
import { errorMessage, useTRPC } from '../trpc';
import { ConfirmModal } from './ConfirmModal';
import { RestartNow } from './RestartNow';

/** Characters per import part (the server's IMPORT_PART_CHARS): under the request cap even escaped. */
const PART_CHARS = 256 * 1024;

/** Cuts text into parts without splitting a character made of two UTF-16 units (an emoji). */
function parts(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    let end = Math.min(i + PART_CHARS, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    out.push(text.slice(i, end));
    i = end;
  }
  return out.length ? out : [''];
}

function download(name: string, chunks: string[]): void {
  const url = URL.createObjectURL(new Blob(chunks, { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A step's progress; `total` 0: a step with nothing to count (a snapshot, building indexes, VACUUM). */
type Progress = { label: string; done: number; total: number } | null;

function ProgressLine({ progress }: { progress: Progress }) {
  if (!progress) return null;
  if (progress.total <= 0) {
    // A full moving bar with no value (ARIA's indeterminate progressbar): an empty 0% bar read as stalled.
    return (
      <Stack gap={4} role="status">
        <Text size="sm">{progress.label}</Text>
        <Progress.Root>
          <Progress.Section value={100} animated withAria={false} role="progressbar" aria-label={progress.label} aria-valuetext="under way" />
        </Progress.Root>
      </Stack>
    );
  }
  const pct = Math.min(100, Math.round((progress.done / progress.total) * 100));
  return (
    <Stack gap={4} role="status">
      <Text size="sm">{progress.label}</Text>
      <Progress value={pct} aria-label={progress.label} animated />
    </Stack>
  );
}

/** Export this organization / Import an organization (Owners): a documented JSON file (docs/organization-format.md). */
export function OrgTransferCard({ organizationName }: { organizationName: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const exportChunk = useMutation(trpc.orgTransfer.exportChunk.mutationOptions());
  const importPart = useMutation(trpc.orgTransfer.importPart.mutationOptions());
  const importCommit = useMutation(trpc.orgTransfer.importCommit.mutationOptions({ onSuccess: () => void qc.invalidateQueries() }));
  const [exportProgress, setExportProgress] = useState<Progress>(null);
  const [exportError, setExportError] = useState<string | null>(null);
  const [exported, setExported] = useState<string | null>(null);
  const [file, setFile] = useState<File | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [importProgress, setImportProgress] = useState<Progress>(null);
  const [importError, setImportError] = useState<string | null>(null);

  async function runExport() {
    setExportError(null);
    setExported(null);
    const chunks: string[] = [];
    try {
      let cursor: { afterId: number; written: number; sig: string } | null = null;
      setExportProgress({ label: 'Exporting…', done: 0, total: 1 });
      for (;;) {
        const chunk = await exportChunk.mutateAsync({ cursor });
        chunks.push(chunk.text);
        if (!chunk.next) break;
        cursor = chunk.next;
        setExportProgress({ label: `Exporting members: ${cursor.written.toLocaleString('en-US')} of ${chunk.total.toLocaleString('en-US')}`, done: cursor.written, total: chunk.total });
      }
      const name = `${organizationName.replace(/[^\p{L}\p{N}._-]+/gu, '-')}-${new Date().toISOString().slice(0, 10)}.roster.json`;
      download(name, chunks);
      setExported(name);
    } catch (e) {
      setExportError(errorMessage(e));
    } finally {
      setExportProgress(null);
    }
  }

  async function runImport() {
    if (!file) return;
    setConfirming(false);
    setImportError(null);
    importCommit.reset();
    try {
      setImportProgress({ label: 'Reading the file…', done: 0, total: 1 });
      const text = await file.text();
      const pieces = parts(text);
      let uploadId: string | null = null;
      for (let i = 0; i < pieces.length; i++) {
        setImportProgress({ label: `Sending the file: part ${i + 1} of ${pieces.length}`, done: i, total: pieces.length });
        uploadId = (await importPart.mutateAsync({ uploadId, text: pieces[i]! })).uploadId;
      }
      setImportProgress({ label: 'Checking the file and creating the organization…', done: pieces.length, total: pieces.length });
      await importCommit.mutateAsync({ uploadId: uploadId! });
    } catch (e) {
      setImportError(errorMessage(e));
    } finally {
      setImportProgress(null);
    }
  }

  const result = importCommit.data;
  const busy = exportProgress !== null || importProgress !== null;
  return (
    <Paper withBorder p="lg" component="section" aria-labelledby="transfer-title">
      <Stack>
        <div>
          <Title order={2} size="h4" id="transfer-title">Move an organization between installs</Title>
          <Text c="dimmed" size="sm">
            One JSON file with members and their history, roles, sub-accounts, grants, modules and mail server settings. It never holds passwords, links or other secrets.
          </Text>
        </div>
        <Group>
          <Button onClick={() => void runExport()} loading={exportProgress !== null} disabled={importProgress !== null}>
            Export this organization
          </Button>
        </Group>
        <ProgressLine progress={exportProgress} />
        {exported && <Alert color="green" title="Exported">Saved as {exported}. One line was added to the audit log.</Alert>}
        {exportError && <Alert color="red" title="Not exported">{exportError}</Alert>}
        <Group align="end">
          <FileInput label="Organization file to import" placeholder="Choose a .json file" accept="application/json,.json" value={file} onChange={setFile} clearable w={360} />
          <Button variant="light" disabled={!file || busy} title={file ? undefined : 'Choose a file to import first'} onClick={() => setConfirming(true)}>
            Import an organization…
          </Button>
        </Group>
        <ProgressLine progress={importProgress} />
        {importError && <Alert color="red" title="Not imported: nothing was written">{importError}</Alert>}
        {result && (
          <Alert color="green" title={`Imported ${result.name}`}>
            <Text size="sm">
              {result.members.toLocaleString('en-US')} members, {result.roles} roles, {result.accounts} accounts, {result.modules} modules. Switch to it from the organization menu.
            </Text>
            <List size="sm" mt="xs">
              {result.notes.map((n) => (
                <List.Item key={n}>{n}</List.Item>
              ))}
            </List>
          </Alert>
        )}
      </Stack>
      <ConfirmModal
        opened={confirming}
        title="Import this organization?"
        message={`A new organization is created from ${file?.name ?? 'the file'}, with new ids, in one step: all of it or nothing. No mail is sent; pending invitations need a resend.`}
        confirmLabel="Import"
        loading={false}
        onCancel={() => setConfirming(false)}
        onConfirm={() => void runImport()}
      />
    </Paper>
  );
}

/** Which store holds the directory, and (install Owner, on SQLite) the move to a PostgreSQL server. */
export function StoreCard({ installOwner }: { installOwner: boolean }) {
  const trpc = useTRPC();
  const [url, setUrl] = useState('');
  const [confirming, setConfirming] = useState(false);
  const store = useQuery({
    ...trpc.orgTransfer.store.queryOptions(),
    refetchInterval: (q) => (q.state.data?.move.step === 'moving' ? 500 : false),
  });
  const test = useMutation(trpc.orgTransfer.testDatabase.mutationOptions());
  const move = useMutation(trpc.orgTransfer.moveToPostgres.mutationOptions({ onSuccess: () => void store.refetch() }));
  const restart = useMutation(trpc.orgTransfer.restart.mutationOptions());
  const qc = useQueryClient();
  // Back when the new process answers from PostgreSQL (or asks to sign in again: it answered).
  const isBack = useCallback(async () => {
    try {
      return (await qc.fetchQuery({ ...trpc.orgTransfer.store.queryOptions(), staleTime: 0 })).info.kind === 'postgres';
    } catch (e) {
      return e instanceof TRPCClientError && (e.data as { domainCode?: string } | undefined)?.domainCode === 'NOT_SIGNED_IN';
    }
  }, [qc, trpc]);
  const info = store.data?.info;
  const state = store.data?.move;
  const canMove = installOwner && info?.kind === 'sqlite' && state?.step !== 'moving' && state?.step !== 'done';
  return (
    <Paper withBorder p="lg" component="section" aria-labelledby="store-title">
      <Stack>
        <div>
          <Title order={2} size="h4" id="store-title">Where the directory is kept</Title>
          {info?.kind === 'sqlite' && <Text size="sm">This computer only: the SQLite file {info.file}</Text>}
          {info?.kind === 'postgres' && (
            <Text size="sm">
              A shared PostgreSQL server: database {info.database} on {info.host}:{info.port} as {info.user}
              {info.source === 'settings' ? ' (chosen on this computer, recorded in its data folder)' : info.source === 'env' ? ' (from ROSTER_DATABASE_URL)' : info.source === 'flag' ? ' (from --database-url)' : ''}
            </Text>
          )}
        </div>
        {store.error && <Alert color="red" title="Store unknown">{errorMessage(store.error)}</Alert>}
        {canMove && (
          <>
            <Text size="sm" c="dimmed">
              Move it to an empty PostgreSQL database so several admins can share it. Changes are paused during the copy; the SQLite file stays as it is.
            </Text>
            <Group align="end">
              <TextInput label="PostgreSQL URL" placeholder="postgres://roster:password@db.example.org:5432/roster" value={url} onChange={(e) => setUrl(e.currentTarget.value)} w={460} type="password" autoComplete="off" />
              <Button variant="default" disabled={!url} title={url ? undefined : 'Enter the database URL first'} loading={test.isPending} onClick={() => test.mutate({ databaseUrl: url })}>
                Test connection
              </Button>
              <Button color="red" variant="light" disabled={!test.data} title={test.data ? undefined : 'Test the connection first'} onClick={() => setConfirming(true)}>
                Move to PostgreSQL…
              </Button>
            </Group>
            {test.data && <Alert color="green" title="Connection works">Database {test.data.database} on {test.data.host}:{test.data.port} is empty and ready.</Alert>}
            {test.error && <Alert color="red" title="Cannot use this database">{errorMessage(test.error)}</Alert>}
          </>
        )}
        {state?.step === 'moving' && <ProgressLine progress={{ label: `Moving the directory: ${state.message}${state.total ? ` (${state.copied.toLocaleString('en-US')} of ${state.total.toLocaleString('en-US')})` : ''}`, done: state.copied, total: state.total }} />}
        {state?.step === 'done' && (
          <>
            <Alert color="green" title="Moved: restart Roster">{state.message}</Alert>
            <RestartNow canRestart={store.data?.canRestart ?? false} restart={() => restart.mutateAsync()} isBack={isBack} />
          </>
        )}
        {state?.step === 'failed' && <Alert color="red" title="Not moved">{state.message}</Alert>}
        {move.error && <Alert color="red" title="Not moved">{errorMessage(move.error)}</Alert>}
      </Stack>
      <ConfirmModal
        opened={confirming}
        title="Move the directory to PostgreSQL?"
        message="Every organization of this Roster is copied to that database. Changes are paused until Roster restarts there; the SQLite file is kept as it is."
        confirmLabel="Move"
        loading={move.isPending}
        onCancel={() => setConfirming(false)}
        onConfirm={() => {
          setConfirming(false);
          move.mutate({ databaseUrl: url });
        }}
      />
    </Paper>
  );
}

/** Settings' cards of this area: the store and its move (the install Owner) and the organization file (Owners). */
export function OrgTransferSettings() {
  const me = useMe();
  return (
    <>
      {me.installOwner && <StoreCard installOwner={me.installOwner} />}
      {me.orgPermissions.includes('organization.delete') && <OrgTransferCard organizationName={me.organization.name} />}
    </>
  );
}
