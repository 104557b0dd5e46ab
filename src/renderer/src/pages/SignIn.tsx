import { Alert, Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { AuthFrame } from '../components/AuthFrame';
import { useState } from 'react';
import { SESSION_ENDED_KEY, errorMessage, useTRPC } from '../trpc';

export function SignInPage({ ended: endedByServer = null }: { ended?: string | null }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const form = useForm({ initialValues: { email: '', password: '' } });
  // Read once: why the previous session ended (idle lock, deactivation), shown until the next sign-in.
  const [ended] = useState(() => sessionStorage.getItem(SESSION_ENDED_KEY) ?? endedByServer);
  const signIn = useMutation(
    trpc.auth.signIn.mutationOptions({
      onSuccess: () => {
        sessionStorage.removeItem(SESSION_ENDED_KEY);
        return qc.invalidateQueries();
      },
    }),
  );
  return (
    <AuthFrame title="Sign in" subtitle="Sign in with your email and password to manage your organization.">
      <form onSubmit={form.onSubmit((v) => signIn.mutate(v))}>
        <Stack>
          {ended && !signIn.error && (
            <Alert color="yellow" role="status" title="You were signed out">
              {ended}
            </Alert>
          )}
          {signIn.error && (
            <Alert color="red" role="alert" title="Could not sign in">
              {errorMessage(signIn.error)}
            </Alert>
          )}
          <TextInput label="Email" type="email" required autoFocus autoComplete="username" {...form.getInputProps('email')} />
          <PasswordInput label="Password" required autoComplete="current-password" {...form.getInputProps('password')} />
          <Button type="submit" loading={signIn.isPending} fullWidth>
            Sign in
          </Button>
        </Stack>
      </form>
    </AuthFrame>
  );
}
