import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/** The organization's own product modules, a list the admin extends. */
export interface ProductModuleTable {
  id: Generated<number>;
  organization_id: number;
  key: string;
  name: string;
  admin_only: Generated<number>;
}
export type ProductModule = Selectable<ProductModuleTable>;
export type NewProductModule = Insertable<ProductModuleTable>;
export type ProductModuleUpdate = Updateable<ProductModuleTable>;
