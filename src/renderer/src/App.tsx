import { Center, Loader } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Console } from './pages/Console';
import { RegisterPage } from './pages/Register';
import { SignInPage } from './pages/SignIn';
import { useTRPC } from './trpc';

export function App() {
  const trpc = useTRPC();
  const state = useQuery(trpc.auth.state.queryOptions());
  if (!state.data)
    return (
      <Center h="100vh">
        <Loader aria-label="Loading Roster" />
      </Center>
    );
  if (!state.data.registered) return <RegisterPage policy={state.data.passwordPolicy} />;
  if (!state.data.me) return <SignInPage ended={state.data.ended} />;
  // Keyed by organization: switching starts from a clean console (no filters or selection from another one).
  return <Console key={state.data.me.organization.id} me={state.data.me} />;
}
