import { Navigate, createHashRouter } from 'react-router';
import type { ReactNode } from 'react';
import { App } from './App';
import { useMe } from './me';
import { AccountsPage } from './pages/Accounts';
import { AuditPage } from './pages/Audit';
import { MailPage } from './pages/Mail';
import { MembersPage } from './pages/Members';
import { RolesPage } from './pages/Roles';
import { SettingsPage } from './pages/Settings';
import { SyncPage } from './pages/Sync';
import { visibleSections, type SectionKey } from './sections';

/** The first section this person may open: where `#/` and unknown or forbidden addresses lead. */
function FirstSection() {
  const me = useMe();
  const first = visibleSections(me)[0]?.key ?? 'settings';
  return <Navigate to={`/${first}`} replace />;
}

/** A section's page, or the first allowed one when this person may not open it (a stale bookmark). */
function Section({ name, children }: { name: SectionKey; children: ReactNode }) {
  const me = useMe();
  if (!visibleSections(me).some((s) => s.key === name)) return <FirstSection />;
  return children;
}

/**
 * A hash router: the address lives after `#`, so it works the same on Electron's file:// page and
 * in web mode, and a reload or a bookmark needs nothing from the server.
 */
export function createConsoleRouter() {
  return createHashRouter([
    {
      path: '/',
      element: <App />,
      children: [
        { index: true, element: <FirstSection /> },
        { path: 'members', element: <Section name="members"><MembersPage /></Section> },
        { path: 'roles', element: <Section name="roles"><RolesPage /></Section> },
        { path: 'accounts', element: <Section name="accounts"><AccountsPage /></Section> },
        { path: 'audit', element: <Section name="audit"><AuditPage /></Section> },
        { path: 'settings', element: <Section name="settings"><SettingsPage /></Section> },
        { path: 'mail', element: <Section name="mail"><MailPage /></Section> },
        { path: 'sync', element: <Section name="sync"><SyncPage /></Section> },
        { path: '*', element: <FirstSection /> },
      ],
    },
  ]);
}
