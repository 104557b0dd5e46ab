import { Center, Loader } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { useNavigate } from 'react-router';
import { MeProvider } from './me';
import { Console } from './pages/Console';
import { RegisterPage } from './pages/Register';
import { SignInPage } from './pages/SignIn';
import { useTRPC } from './trpc';

/**
 * The gate in front of every address: registration, sign-in, or the console. The address is kept
 * while signed out, so a deep link (or the screen before an idle lock) opens once signed in.
 */
export function App() {
  const trpc = useTRPC();
  const state = useQuery(trpc.auth.state.queryOptions());
  const navigate = useNavigate();
  const organizationId = state.data?.me?.organization.id;
  const lastOrganization = useRef(organizationId);
  useEffect(() => {
    if (organizationId === undefined) return;
    // Another organization starts clean: no tab, search or open panel carried over from the previous one.
    if (lastOrganization.current !== undefined && lastOrganization.current !== organizationId) void navigate('/', { replace: true });
    lastOrganization.current = organizationId;
  }, [organizationId, navigate]);
  if (!state.data)
    return (
      <Center h="100vh">
        <Loader aria-label="Loading Roster" />
      </Center>
    );
  if (!state.data.registered) return <RegisterPage policy={state.data.passwordPolicy} />;
  if (!state.data.me) return <SignInPage ended={state.data.ended} />;
  // Keyed by organization: switching starts from a clean console (no filters or selection from another one).
  return (
    <MeProvider me={state.data.me}>
      <Console key={state.data.me.organization.id} />
    </MeProvider>
  );
}
