import type { Kysely, Transaction } from 'kysely';
import type { AccountTable } from './tables/account.table';
import type { AuditTable } from './tables/audit.table';
import type { LinkTable } from './tables/link.table';
import type { MailOutboxTable } from './tables/mail_outbox.table';
import type { MailSettingsTable } from './tables/mail_settings.table';
import type { MailTemplateTable } from './tables/mail_template.table';
import type { MemberTable } from './tables/member.table';
import type { MemberAccountTable } from './tables/member_account.table';
import type { AccountMemberCountTable, MemberCountTable, RoleMemberCountTable } from './tables/member_count.table';
import type { MemberPermissionTable } from './tables/member_permission.table';
import type { MemberRoleTable } from './tables/member_role.table';
import type { OrganizationTable } from './tables/organization.table';
import type { InstallSettingTable } from './tables/install_setting.table';
import type { PersonTable } from './tables/person.table';
import type { PhoneAttemptTable, PhoneCodeTable } from './tables/phone_code.table';
import type { ProductModuleTable } from './tables/product_module.table';
import type { RoleTable } from './tables/role.table';
import type { RolePermissionTable } from './tables/role_permission.table';
import type { ConsoleSessionTable, GuessCounterTable } from './tables/team_state.table';
import type { SyncDirtyTable, SyncObjectTable, SyncSettingsTable } from './tables/sync.table';

export interface Database {
  organization: OrganizationTable;
  person: PersonTable;
  account: AccountTable;
  role: RoleTable;
  role_permission: RolePermissionTable;
  product_module: ProductModuleTable;
  member: MemberTable;
  member_count: MemberCountTable;
  account_member_count: AccountMemberCountTable;
  role_member_count: RoleMemberCountTable;
  member_role: MemberRoleTable;
  member_permission: MemberPermissionTable;
  member_account: MemberAccountTable;
  link: LinkTable;
  audit: AuditTable;
  mail_settings: MailSettingsTable;
  mail_outbox: MailOutboxTable;
  mail_template: MailTemplateTable;
  phone_code: PhoneCodeTable;
  phone_attempt: PhoneAttemptTable;
  install_setting: InstallSettingTable;
  sync_settings: SyncSettingsTable;
  sync_object: SyncObjectTable;
  sync_dirty: SyncDirtyTable;
  console_session: ConsoleSessionTable;
  guess_counter: GuessCounterTable;
}

export type Db = Kysely<Database>;
/** A repository function works the same inside or outside a transaction. */
export type DbOrTx = Kysely<Database> | Transaction<Database>;
