/**
 * How deep sub-accounts nest below the company account (the company account is level 0). Deep enough
 * for any organization chart (company / region / country / site / department / team …); a bound so
 * that an account's path ("Acme / Europe / France / …"), shown in every picker and audit row, stays a
 * line and not a page, and the tree's answers stay quick (a 14,000-level chain took 25 s to list).
 */
export const MAX_ACCOUNT_DEPTH = 20;

export const ACCOUNT_DEPTH_TEXT = `Sub-accounts nest at most ${MAX_ACCOUNT_DEPTH} levels below the company account`;
