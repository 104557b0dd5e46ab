// npm run portal -- --database-url postgres://user:pass@host:5432/db --port 8451 [--host 127.0.0.1]
// The invitee pages as their own process next to the admins' desktops (team mode only). See README, Team mode.
import { parseArgs } from 'node:util';
import { redactDatabaseUrl } from '../src/main/db/directory';
import { PortalNeedsTeamMode, startPortalProcess } from '../src/main/portal/standalone';

const USAGE = 'Usage: npm run portal -- --database-url postgres://user:password@host:5432/database --port 8451 [--host 127.0.0.1]';

async function main(): Promise<number> {
  let values: { 'database-url'?: string; port?: string; host?: string; 'data-dir'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ options: { 'database-url': { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (e) {
    console.error(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const port = Number(values.port ?? 8451);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be a number from 0 to 65535, not "${values.port}".\n${USAGE}`);
    return 2;
  }
  const databaseUrl = values['database-url'] ?? (process.env.ROSTER_DATABASE_URL || null);
  try {
    const portal = await startPortalProcess({ databaseUrl, port, host: values.host });
    console.log(`Roster invitee pages listening on ${portal.base}`);
    console.log(`Directory: PostgreSQL ${redactDatabaseUrl(databaseUrl!)}`);
    const stop = () => void portal.stop().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    return -1;
  } catch (e) {
    if (e instanceof PortalNeedsTeamMode) {
      console.error(e.message);
      if (values['data-dir']) console.error(`Data folder ${values['data-dir']}: its roster.lock lets only the Roster that holds it use the folder.`);
      return 3;
    }
    console.error(`Roster's invitee pages could not start: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

void main().then((code) => {
  if (code >= 0) process.exit(code);
});
