import { Alert, Button, Group, Loader, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { errorMessage } from '../trpc';

/**
 * "Restart now" after a change of store (the first screen's choice, or Settings' move to PostgreSQL).
 * The desktop app relaunches itself; web mode under `npm start` comes back on the same address. The
 * page then waits until the new process answers from the new store (`isBack`) and reloads itself.
 * Where the process cannot restart itself (web mode started directly), it says what to do instead.
 */
export function RestartNow(props: { canRestart: boolean; restart: () => Promise<unknown>; isBack: () => Promise<boolean> }) {
  const [phase, setPhase] = useState<'idle' | 'asking' | 'waiting'>('idle');
  const [error, setError] = useState<unknown>(null);
  const { isBack } = props;

  useEffect(() => {
    if (phase !== 'waiting') return;
    let stopped = false;
    const look = async (): Promise<void> => {
      const back = await isBack().catch(() => false);
      if (stopped) return;
      if (back) window.location.reload();
      else setTimeout(() => void look(), 400);
    };
    void look();
    return () => {
      stopped = true;
    };
  }, [phase, isBack]);

  if (!props.canRestart) return <Text size="sm">Stop Roster and start it again: it will open the new store.</Text>;
  if (phase === 'waiting')
    return (
      <Group gap="xs" role="status" aria-live="polite">
        <Loader size="xs" />
        <Text size="sm">Restarting Roster… this page reloads when it is back.</Text>
      </Group>
    );
  return (
    <>
      {error !== null && (
        <Alert color="red" role="alert" title="Could not restart">
          {errorMessage(error)}
        </Alert>
      )}
      <Button
        loading={phase === 'asking'}
        onClick={() => {
          setPhase('asking');
          setError(null);
          props.restart().then(
            () => setPhase('waiting'),
            (e: unknown) => {
              setError(e);
              setPhase('idle');
            },
          );
        }}
      >
        Restart now
      </Button>
    </>
  );
}
