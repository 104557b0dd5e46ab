/**
 * How deep sub-accounts nest below the company account (the company account is level 0). Deep enough
 * for any organization chart (company / region / country / site / department / team …); a bound so
 * that an account's path ("Acme / Europe / France / …"), shown in every picker and audit row, stays a
 * line and not a page, and the tree's answers stay quick (a 14,000-level chain took 25 s to list).
 */
export const MAX_ACCOUNT_DEPTH = 20;

export const ACCOUNT_DEPTH_TEXT = `Sub-accounts nest at most ${MAX_ACCOUNT_DEPTH} levels below the company account`;

/**
 * What makes two account names the same (sibling sub-accounts never share one): case, the spaces
 * around, and how an accented letter is encoded ("é" as one character or as "e" and an accent) aside.
 */
export function accountNameKey(name: string): string {
  return name.trim().normalize('NFC').toLowerCase();
}
