import type { Insertable, Selectable } from 'kysely';

/** An organization's own wording for one kind of mail (migration 0014); none means the built-in one. */
export interface MailTemplateTable {
  organization_id: number;
  kind: string;
  subject: string;
  body: string;
  /** 0 after "Reset to default": the built-in wording applies. */
  custom: number;
  version: number;
  updated_at: string;
}
export type MailTemplateRow = Selectable<MailTemplateTable>;
export type NewMailTemplate = Insertable<MailTemplateTable>;
