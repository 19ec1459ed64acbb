import type { CatalogFile } from '../domain/index.js';

/** Which features are exported, and to which Stripe meter: feature → the meter's `event_name`. */
export type MeterMap = ReadonlyMap<string, string>;

interface FeatureWithMeter { stripe_meter?: unknown }

/**
 * The metered features of the catalog file that name a Stripe meter (`features.<name>.stripe_meter`).
 * A catalog without a `features` section exports nothing.
 */
export function exportedMeters(catalog: CatalogFile): MeterMap {
  const features = (catalog as { features?: Record<string, FeatureWithMeter | undefined> }).features ?? {};
  const entries = Object.entries(features).flatMap(([feature, spec]) =>
    typeof spec?.stripe_meter === 'string' && spec.stripe_meter !== '' ? [[feature, spec.stripe_meter] as const] : []);
  return new Map(entries);
}

/** The meters of a map, each once (several features may report to one meter). */
export function meterNames(meters: MeterMap): string[] {
  return [...new Set(meters.values())].sort();
}
