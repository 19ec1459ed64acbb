import { compareSources, compareStrings, earliest } from './compare.js';
import type { Entitlement, EntitlementSource, FeatureValue } from './types.js';

/** One source's contribution to one feature, with the instant it stops counting (null: never). */
export interface Contribution {
  feature: string;
  value: FeatureValue;
  source: EntitlementSource;
  expiresAt: Date | null;
}

/**
 * Combines the values several sources give one feature.
 *
 * Policy: booleans OR, numbers add. When a feature has both boolean and numeric sources, the
 * value is the sum of the numeric ones (the boolean sources add nothing to a quantity).
 * Numbers are summed in ascending order so the result never depends on input order, even
 * with fractional values.
 */
export function combineValues(values: readonly [FeatureValue, ...FeatureValue[]]): FeatureValue {
  const numbers = values.filter((v): v is number => v !== true);
  if (numbers.length === 0) return true;
  return numbers.sort((a, b) => a - b).reduce((sum, n) => sum + n, 0);
}

/**
 * When a feature's combined value next changes:
 * - boolean (all sources `true`): when the last source expires, so the latest expiry; null if
 *   any source never expires;
 * - numeric: when the first numeric source expires, so the earliest numeric expiry; null if none
 *   expire. Boolean sources of a numeric feature do not change its value, so they are ignored.
 */
function valueExpiry(contributions: readonly Contribution[], value: FeatureValue): Date | null {
  if (value === true) {
    let latest: Date | null = null;
    for (const c of contributions) {
      if (c.expiresAt === null) return null;
      if (latest === null || c.expiresAt.getTime() > latest.getTime()) latest = c.expiresAt;
    }
    return latest;
  }
  let first: Date | null = null;
  for (const c of contributions) if (c.value !== true) first = earliest(first, c.expiresAt);
  return first;
}

function distinctSources(contributions: readonly Contribution[]): EntitlementSource[] {
  const byKey = new Map<string, EntitlementSource>();
  for (const { source } of contributions) {
    byKey.set(`${source.kind}\u0000${source.id}`, { kind: source.kind, id: source.id });
  }
  return [...byKey.values()].sort(compareSources);
}

/**
 * Groups contributions by feature and combines each group (see {@link combineValues}).
 * The result is sorted by feature name and does not depend on the order of `contributions`.
 */
export function combineContributions(contributions: readonly Contribution[]): Entitlement[] {
  const byFeature = new Map<string, [Contribution, ...Contribution[]]>();
  for (const c of contributions) {
    const group = byFeature.get(c.feature);
    if (group) group.push(c);
    else byFeature.set(c.feature, [c]);
  }
  return [...byFeature.entries()]
    .sort(([a], [b]) => compareStrings(a, b))
    .map(([feature, group]) => {
      const value = combineValues(group.map((c) => c.value) as [FeatureValue, ...FeatureValue[]]);
      const expiresAt = valueExpiry(group, value);
      return {
        feature,
        value,
        sources: distinctSources(group),
        expiresAt: expiresAt === null ? null : new Date(expiresAt.getTime()),
      };
    });
}
