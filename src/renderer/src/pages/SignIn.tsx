import { Alert, Button, PasswordInput, Radio, Stack, TextInput } from '@mantine/core';
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
  // Someone in several organizations picks one after the password is checked; the list comes only then.
  const [organizations, setOrganizations] = useState<{ id: number; name: string }[]>([]);
  const [organization, setOrganization] = useState<string | null>(null);
  const signIn = useMutation(
    trpc.auth.signIn.mutationOptions({
      onSuccess: (r) => {
        if (!r.ok) {
          setOrganizations(r.organizations);
          setOrganization(String(r.organizations[0]!.id));
          return;
        }
        sessionStorage.removeItem(SESSION_ENDED_KEY);
        return qc.invalidateQueries();
      },
    }),
  );
  const choosing = organizations.length > 1;
  return (
    <AuthFrame title="Sign in" subtitle="Sign in with your email and password to manage your organization.">
      <form onSubmit={form.onSubmit((v) => signIn.mutate(choosing && organization ? { ...v, organizationId: Number(organization) } : v))}>
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
          <TextInput label="Email" type="email" required autoFocus={!choosing} readOnly={choosing} autoComplete="username" {...form.getInputProps('email')} />
          <PasswordInput label="Password" required readOnly={choosing} autoComplete="current-password" {...form.getInputProps('password')} />
          {choosing && (
            <Radio.Group label="Organization" description="You are a member of several organizations: choose the one to manage. You can switch later from the header." value={organization} onChange={setOrganization}>
              <Stack gap={6} mt={6}>
                {organizations.map((o, i) => (
                  <Radio key={o.id} value={String(o.id)} label={o.name} autoFocus={i === 0} />
                ))}
              </Stack>
            </Radio.Group>
          )}
          <Button type="submit" loading={signIn.isPending} fullWidth>
            {choosing ? 'Continue' : 'Sign in'}
          </Button>
          {choosing && (
            <Button variant="subtle" size="xs" onClick={() => setOrganizations([])}>
              Use another account
            </Button>
          )}
        </Stack>
      </form>
    </AuthFrame>
  );
}
