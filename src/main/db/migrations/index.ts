import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001_initial';
import * as m0002 from './0002_mail';
import * as m0004 from './0004_console';
import * as m0005 from './0005_portal';
import * as m0006 from './0006_member_counts';
import * as m0007 from './0007_sync';
import * as m0008 from './0008_counters';
import * as m0008b from './0008b_outbox_link';
import * as m0011 from './0011_versions';
import * as m0012 from './0012_role_descriptions';
import * as m0013 from './0013_team_state';
import * as m0014 from './0014_mail_templates';
import * as m0015 from './0015_statement_counters';
import * as m0016 from './0016_search_lower';
import * as m0017 from './0017_member_live_email';
import * as m0018 from './0018_member_key_block';
import * as m0020 from './0020_null_key_ranges';

/**
 * Every migration, in order. A static list, not a folder scan, because the main process is
 * bundled: there is no migrations folder at run time.
 */
export const MIGRATIONS: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_mail': m0002,
  '0004_console': m0004,
  '0005_portal': m0005,
  '0006_member_counts': m0006,
  '0007_sync': m0007,
  '0008_counters': m0008,
  '0008b_outbox_link': m0008b,
  '0011_versions': m0011,
  '0012_role_descriptions': m0012,
  '0013_team_state': m0013,
  '0014_mail_templates': m0014,
  '0015_statement_counters': m0015,
  '0016_search_lower': m0016,
  '0017_member_live_email': m0017,
  '0018_member_key_block': m0018,
  '0020_null_key_ranges': m0020,
};

export const staticMigrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
