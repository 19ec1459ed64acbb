import type { EntitlementSource } from './types.js';

/** Code-unit string order: locale-independent, so results are the same on every host. */
export function compareStrings(a: string, b: string): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}

/** Sources order by kind ('grant' before 'subscription'), then id. */
export function compareSources(a: EntitlementSource, b: EntitlementSource): number {
  return compareStrings(a.kind, b.kind) || compareStrings(a.id, b.id);
}

/** The earlier of two instants, where null means "never". */
export function earliest(a: Date | null, b: Date | null): Date | null {
  if (a === null) return b;
  if (b === null) return a;
  return a.getTime() <= b.getTime() ? a : b;
}
