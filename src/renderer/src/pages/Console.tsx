import { ActionIcon, AppShell, Burger, Group, Menu, NavLink, Select, Text, Tooltip, UnstyledButton, useMantineColorScheme } from '@mantine/core';
import { useDisclosure, useIdle } from '@mantine/hooks';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, Outlet, useLocation } from 'react-router';
import { NewOrganizationModal } from '../components/NewOrganizationModal';
import { useMe } from '../me';
import { visibleSections } from '../sections';
import { SESSION_ENDED_KEY, subscribeToChanges, useTRPC } from '../trpc';


/** The signed-in console: header, side menu of links (one address per section) and the section at the address. */
export function Console() {
  const me = useMe();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [opened, { toggle, close }] = useDisclosure();
  const visible = visibleSections(me);
  const { pathname } = useLocation();
  const { colorScheme, setColorScheme } = useMantineColorScheme();
  const [newOrgOpen, setNewOrgOpen] = useState(false);
  const signOut = useMutation(trpc.auth.signOut.mutationOptions({ onSuccess: () => qc.invalidateQueries() }));
  // The screen locks by itself too: names and addresses do not stay on an unattended screen.
  const idle = useIdle(me.organization.idleLockMinutes * 60_000, { initialState: false });
  const { mutate: endSession } = signOut;
  useEffect(() => {
    if (!idle) return;
    sessionStorage.setItem(SESSION_ENDED_KEY, `The console locked after ${me.organization.idleLockMinutes} minutes without activity: sign in again.`);
    endSession();
  }, [idle, endSession, me.organization.idleLockMinutes]);
  useEffect(
    () =>
      subscribeToChanges(() => {
        // What another admin, an invitee or a background job changed: members, and what hangs on them
        // (sub-accounts and roles with their counts, sync states), and the log.
        void qc.invalidateQueries({ queryKey: trpc.members.pathKey() });
        void qc.invalidateQueries({ queryKey: trpc.accounts.pathKey() });
        void qc.invalidateQueries({ queryKey: trpc.roles.pathKey() });
        void qc.invalidateQueries({ queryKey: trpc.sync.pathKey() });
        void qc.invalidateQueries({ queryKey: trpc.audit.pathKey() });
      }),
    [qc, trpc],
  );
  const switchOrg = useMutation(trpc.auth.switchOrganization.mutationOptions({ onSuccess: () => qc.invalidateQueries() }));

  return (
    // Below 992 px the menu folds behind the burger, and up to 1200 px it is narrower: the Members table
    // and the Roles matrix need the width more than the menu's labels do.
    <AppShell header={{ height: 56 }} navbar={{ width: { md: 200, lg: 240 }, breakpoint: 'md', collapsed: { mobile: !opened } }} padding={{ base: 'md', lg: 'lg' }}>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="md" size="sm" aria-label="Toggle navigation" />
            <Text fw={800} c="indigo" tt="uppercase" style={{ letterSpacing: 2 }}>
              Roster
            </Text>
            {me.organizations.length > 1 ? (
              <Select
                aria-label="Organization"
                size="xs"
                w={220}
                data={me.organizations.map((o) => ({ value: String(o.id), label: o.name }))}
                value={String(me.organization.id)}
                onChange={(v) => v && switchOrg.mutate({ organizationId: Number(v) })}
                allowDeselect={false}
              />
            ) : (
              <Text fw={600} size="sm" c="dimmed">
                {me.organization.name}
              </Text>
            )}
          </Group>
          <Group gap="xs" wrap="nowrap">
            <Tooltip label={colorScheme === 'dark' ? 'Light theme' : 'Dark theme'}>
              <ActionIcon variant="default" size="lg" aria-label="Toggle color theme" onClick={() => setColorScheme(colorScheme === 'dark' ? 'light' : 'dark')}>
                <span aria-hidden>{colorScheme === 'dark' ? '☀' : '☾'}</span>
              </ActionIcon>
            </Tooltip>
            <Menu position="bottom-end" withinPortal>
              <Menu.Target>
                <UnstyledButton aria-label="Account menu" px="sm" py={6} style={{ borderRadius: 8, border: '1px solid var(--mantine-color-default-border)' }}>
                  <Text size="sm" fw={500}>
                    {me.name || me.email}
                  </Text>
                </UnstyledButton>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Label>{me.email}</Menu.Label>
                {me.permissions.includes('organization.delete') && <Menu.Item onClick={() => setNewOrgOpen(true)}>New organization…</Menu.Item>}
                <Menu.Item onClick={() => signOut.mutate()}>Sign out</Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm" component="nav" aria-label="Sections">
        {visible.map((s) => (
          <NavLink
            key={s.key}
            component={Link}
            to={`/${s.key}`}
            label={s.label}
            active={pathname === `/${s.key}`}
            aria-current={pathname === `/${s.key}` ? 'page' : undefined}
            onClick={close}
            style={{ borderRadius: 8 }}
          />
        ))}
      </AppShell.Navbar>
      <NewOrganizationModal opened={newOrgOpen} onClose={() => setNewOrgOpen(false)} />
      <AppShell.Main>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
