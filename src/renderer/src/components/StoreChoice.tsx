import { Alert, Button, Group, PasswordInput, Radio, Stack, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useState } from 'react';
import { errorMessage, useTRPC } from '../trpc';
import { RestartNow } from './RestartNow';

export type StoreKind = 'sqlite' | 'postgres';

/**
 * The first screen's choice of store (issue 13): "This computer only" (SQLite, the default: the
 * register form follows) or "A shared PostgreSQL server": test the URL, then use it; Roster records
 * the choice and asks for a restart, which opens PostgreSQL (its register screen when the database
 * is empty, the team's directory when it holds one). Shown only while the install has no one.
 */
export function StoreChoice({ kind, onKind }: { kind: StoreKind; onKind: (kind: StoreKind) => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [url, setUrl] = useState('');
  const state = useQuery(trpc.setup.state.queryOptions());
  const test = useMutation(trpc.setup.testDatabase.mutationOptions());
  const choose = useMutation(trpc.setup.chooseDatabase.mutationOptions({ onSuccess: () => void qc.invalidateQueries({ queryKey: trpc.setup.state.queryKey() }) }));
  const keepLocal = useMutation(
    trpc.setup.keepLocal.mutationOptions({
      onSuccess: async () => {
        choose.reset();
        onKind('sqlite');
        await qc.invalidateQueries({ queryKey: trpc.setup.state.queryKey() });
      },
    }),
  );
  const restart = useMutation(trpc.setup.restart.mutationOptions());
  // Back when the new process answers and no longer offers the choice: it runs on the chosen database.
  const isBack = useCallback(async () => !(await qc.fetchQuery({ ...trpc.setup.state.queryOptions(), staleTime: 0 })).offered, [qc, trpc]);
  const chosen = choose.data ?? state.data?.chosen ?? null;
  if (!state.data?.offered) return null;
  if (chosen)
    return (
      <Stack gap="sm">
        <Alert color="green" title="Restart Roster" role="status">
          This computer will use the PostgreSQL database {chosen.database} on {chosen.host}:{chosen.port}. Restart Roster:{' '}
          {!choose.data
            ? 'it will open that database: the team’s directory if it holds one, else this screen to register.'
            : choose.data.holds === 'roster'
              ? 'it will open the team’s directory there, where you sign in.'
              : 'it will set up the directory there and show this screen to register.'}
        </Alert>
        <RestartNow canRestart={state.data?.canRestart ?? false} restart={() => restart.mutateAsync()} isBack={isBack} />
        {keepLocal.error && (
          <Alert color="red" role="alert" title="Could not change the choice">
            {errorMessage(keepLocal.error)}
          </Alert>
        )}
        <Button variant="subtle" loading={keepLocal.isPending} onClick={() => keepLocal.mutate()}>
          Keep it on this computer instead
        </Button>
      </Stack>
    );
  const tested = test.data && !test.isPending ? test.data : null;
  const error = test.error ?? choose.error;
  return (
    <Stack gap="sm">
      <Radio.Group label="Where should Roster keep the directory?" value={kind} onChange={(v) => onKind(v === 'postgres' ? 'postgres' : 'sqlite')}>
        <Stack gap="xs" mt={6}>
          <Radio value="sqlite" label="This computer only" description="A file in Roster's data folder. You can move it to PostgreSQL later in Settings." />
          <Radio value="postgres" label="A shared PostgreSQL server" description="Several admins' computers share one directory." />
        </Stack>
      </Radio.Group>
      {kind === 'postgres' && (
        <Stack gap="sm">
          <PasswordInput
            label="PostgreSQL URL"
            description="An empty database for Roster, or the one your team already uses."
            placeholder="postgres://roster:password@db.example.org:5432/roster"
            autoComplete="off"
            value={url}
            onChange={(e) => {
              setUrl(e.currentTarget.value);
              test.reset();
              choose.reset();
            }}
          />
          {error && (
            <Alert color="red" role="alert" title="Cannot use this database">
              {errorMessage(error)}
            </Alert>
          )}
          {tested && (
            <Alert color="green" role="status" title="Connection works">
              Database {tested.database} on {tested.host}:{tested.port}{' '}
              {tested.holds === 'roster' ? 'holds a Roster directory: this computer will join it.' : 'is empty: Roster will set it up there.'}
            </Alert>
          )}
          <Group grow>
            <Button variant="default" disabled={!url.trim()} title={url.trim() ? undefined : 'Enter the database URL first'} loading={test.isPending} onClick={() => test.mutate({ databaseUrl: url })}>
              Test connection
            </Button>
            <Button disabled={!tested} title={tested ? undefined : 'Test the connection first'} loading={choose.isPending} onClick={() => choose.mutate({ databaseUrl: url })}>
              Use this database
            </Button>
          </Group>
          {(test.isPending || choose.isPending) && (
            <Text size="sm" c="dimmed" role="status">
              Connecting to the server…
            </Text>
          )}
        </Stack>
      )}
    </Stack>
  );
}
