/** A feature as stored and served: only its name matters for pairing, the rest is compared whole. */
export interface NamedFeature { feature: string }

export interface EntitlementDiff<T extends NamedFeature> {
  /** Features present now and not before. */
  added: T[];
  /** Features present before and not now. */
  removed: T[];
  /** Features present in both whose value, sources or expiry differ. */
  changed: { feature: string; before: T; after: T }[];
}

/** Stable text of a value for equality: object keys sorted, so key order never counts as a change. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonical(inner)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** What changed from one entitlement list to the next, each part ordered by feature name. */
export function diffEntitlements<T extends NamedFeature>(before: readonly T[], after: readonly T[]): EntitlementDiff<T> {
  const old = new Map(before.map((entry) => [entry.feature, entry]));
  const now = new Map(after.map((entry) => [entry.feature, entry]));
  const byName = (a: NamedFeature, b: NamedFeature) => (a.feature < b.feature ? -1 : a.feature > b.feature ? 1 : 0);
  const added = after.filter((entry) => !old.has(entry.feature)).sort(byName);
  const removed = before.filter((entry) => !now.has(entry.feature)).sort(byName);
  const changed = after
    .flatMap((entry) => {
      const previous = old.get(entry.feature);
      return previous && canonical(previous) !== canonical(entry) ? [{ feature: entry.feature, before: previous, after: entry }] : [];
    })
    .sort(byName);
  return { added, removed, changed };
}
