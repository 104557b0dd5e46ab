/** A whole number with thousands separators, as every bench prints its figures. */
export function fmt(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 0 });
}
