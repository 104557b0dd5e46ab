import { isConsolePermission, type ConsolePermission } from '../../shared/permissions';

export interface AccountNode {
  id: number;
  parent_id: number | null;
  name: string;
}

export interface Grant {
  permission: string;
  accountId: number;
  /** The role that gives it, or null for an extra single permission. */
  roleName: string | null;
}

/** The organization's account tree, for "at this account or one of its ancestors" questions. */
export class AccountTree {
  readonly root: AccountNode;
  private readonly byId = new Map<number, AccountNode>();
  private readonly children = new Map<number, number[]>();

  constructor(accounts: AccountNode[]) {
    for (const a of accounts) {
      this.byId.set(a.id, a);
      if (a.parent_id === null) continue;
      const siblings = this.children.get(a.parent_id);
      if (siblings) siblings.push(a.id);
      else this.children.set(a.parent_id, [a.id]);
    }
    const root = accounts.find((a) => a.parent_id === null);
    if (!root) throw new Error('An organization always has a company account');
    this.root = root;
  }

  has(id: number): boolean {
    return this.byId.has(id);
  }

  get(id: number): AccountNode | undefined {
    return this.byId.get(id);
  }

  /** The account and everything below it. */
  subtree(id: number): number[] {
    const out: number[] = [];
    const stack = [id];
    while (stack.length) {
      const next = stack.pop()!;
      out.push(next);
      // A loop, not push(...children): spreading 100,000+ siblings overflows the call's arguments.
      for (const child of this.children.get(next) ?? []) stack.push(child);
    }
    return out;
  }

  /** Parent first, up to the company account. */
  ancestors(id: number): number[] {
    const out: number[] = [];
    let cur = this.byId.get(id)?.parent_id ?? null;
    while (cur !== null) {
      out.push(cur);
      cur = this.byId.get(cur)?.parent_id ?? null;
    }
    return out;
  }

  /** Levels below the company account (the company account is 0). */
  depth(id: number): number {
    return this.ancestors(id).length;
  }

  /** How many levels the account's subtree reaches below it (0 without sub-accounts). */
  height(id: number): number {
    let deepest = 0;
    const stack: [number, number][] = [[id, 0]];
    while (stack.length) {
      const [next, level] = stack.pop()!;
      if (level > deepest) deepest = level;
      for (const child of this.children.get(next) ?? []) stack.push([child, level + 1]);
    }
    return deepest;
  }

  /** Each path built once from its parent's: listing every account's path stays linear in the tree. */
  private readonly paths = new Map<number, string>();

  /** "Company / Parent / Account". */
  path(id: number): string {
    const known = this.paths.get(id);
    if (known !== undefined) return known;
    // Up to the nearest account whose path is known (or the top), then down, filling in each.
    const chain: number[] = [];
    let cur: number | null = id;
    while (cur !== null && !this.paths.has(cur)) {
      chain.push(cur);
      cur = this.byId.get(cur)?.parent_id ?? null;
    }
    let prefix = cur === null ? null : this.paths.get(cur)!;
    for (let i = chain.length - 1; i >= 0; i--) {
      const name = this.byId.get(chain[i]!)?.name ?? '?';
      prefix = prefix === null ? name : `${prefix} / ${name}`;
      this.paths.set(chain[i]!, prefix);
    }
    return prefix!;
  }
}

/** What a signed-in member may do, and where. */
export class Authz {
  constructor(
    readonly grants: Grant[],
    readonly tree: AccountTree,
  ) {}

  /** accountsWhere's answers: an Authz never changes (a page of rows asks the same questions hundreds of times). */
  private readonly where = new Map<string, ReadonlySet<number>>();

  /** Accounts where the permission holds: each granted account with its whole subtree. */
  accountsWhere(permission: string): ReadonlySet<number> {
    const known = this.where.get(permission);
    if (known) return known;
    const out = new Set<number>();
    for (const g of this.grants) if (g.permission === permission) for (const id of this.tree.subtree(g.accountId)) out.add(id);
    this.where.set(permission, out);
    return out;
  }

  can(permission: string, accountId: number = this.tree.root.id): boolean {
    return this.accountsWhere(permission).has(accountId);
  }

  canAnywhere(permission: string): boolean {
    return this.grants.some((g) => g.permission === permission);
  }

  /** 'all' when held at the company account, else the accounts where it holds. */
  scope(permission: string): 'all' | number[] {
    if (this.can(permission)) return 'all';
    return [...this.accountsWhere(permission)];
  }

  /** True when the permission holds at one of these accounts (or org-wide). */
  canAtAny(permission: string, accountIds: number[]): boolean {
    if (this.can(permission)) return true;
    const where = this.accountsWhere(permission);
    return accountIds.some((a) => where.has(a));
  }

  /** Asked for every row of a page (outranks): worked out once (an Authz never changes). */
  private console: readonly ConsolePermission[] | null = null;

  /** The console permissions held anywhere, each once (read-only: the same array every call). */
  get heldConsolePermissions(): readonly ConsolePermission[] {
    this.console ??= [...new Set(this.grants.map((g) => g.permission).filter(isConsolePermission))];
    return this.console;
  }

  consolePermissions(): ConsolePermission[] {
    return [...this.heldConsolePermissions];
  }

  hasConsoleAccess(): boolean {
    return this.heldConsolePermissions.length > 0;
  }

  /** Why a permission holds: "granted by role Admin at Acme" for each source. */
  explain(permission: string): string[] {
    return this.grants
      .filter((g) => g.permission === permission)
      .map((g) => `${g.roleName ? `granted by role ${g.roleName}` : 'granted directly'} at ${this.tree.path(g.accountId)}`);
  }
}

/** True when `target` holds some console permission that `actor` does not hold org-wide. */
export function outranks(target: Authz, actor: Authz): boolean {
  return target.heldConsolePermissions.some((p) => !actor.can(p));
}
