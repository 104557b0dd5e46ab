import { Alert, Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { AuthFrame } from '../components/AuthFrame';
import { StoreChoice, type StoreKind } from '../components/StoreChoice';
import { errorMessage, useTRPC } from '../trpc';

export function RegisterPage({ policy }: { policy: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const form = useForm({
    initialValues: { organizationName: '', name: '', email: '', password: '' },
    validate: {
      organizationName: (v) => (v.trim() ? null : 'Give the organization a name.'),
      email: (v) => (/^\S+@\S+\.\S+$/.test(v) ? null : 'Enter a valid email address.'),
      password: (v) => (v.length >= 12 ? null : 'Use at least 12 characters.'),
    },
  });
  const [store, setStore] = useState<StoreKind>('sqlite');
  const register = useMutation(trpc.auth.register.mutationOptions({ onSuccess: () => qc.invalidateQueries() }));
  return (
    <AuthFrame title="Set up your organization" subtitle="You are the first person here: you will be its Owner, with every permission.">
      <Stack>
        <StoreChoice kind={store} onKind={setStore} />
        {store === 'sqlite' && (
          <form onSubmit={form.onSubmit((v) => register.mutate(v))} noValidate>
            <Stack>
              {register.error && (
                <Alert color="red" role="alert" title="Could not register">
                  {errorMessage(register.error)}
                </Alert>
              )}
              <TextInput label="Organization name" required autoFocus {...form.getInputProps('organizationName')} />
              <TextInput label="Your name" {...form.getInputProps('name')} />
              <TextInput label="Email" type="email" required autoComplete="username" {...form.getInputProps('email')} />
              <PasswordInput label="Password" description={policy} required autoComplete="new-password" {...form.getInputProps('password')} />
              <Button type="submit" loading={register.isPending} fullWidth>
                Create organization
              </Button>
            </Stack>
          </form>
        )}
      </Stack>
    </AuthFrame>
  );
}
