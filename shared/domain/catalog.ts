import { combineValues } from './combine.js';
import { compareStrings } from './compare.js';
import type { FeatureValue, ItemState } from './types.js';

/** Which subscription items a plan applies to: exactly one of a price lookup key, a price id or a product id. */
export type PlanMatch = { lookup_key: string } | { price: string } | { product: string };

/** A plan's feature value: `true`, a non-negative number, or `'quantity'` (the item's quantity, per seat). */
export type PlanFeatureValue = true | number | 'quantity';

/** The quantities a per-seat plan may be bought or changed to (both bounds inclusive). */
export interface QuantityLimits { min?: number | undefined; max?: number | undefined }

/** One plan of the operator's catalog file (same shape as the JSON). */
export interface CatalogPlan {
  match: PlanMatch;
  features: Record<string, PlanFeatureValue>;
  /** Per-seat plans: the smallest and largest quantity a subscription item may have. */
  quantity?: QuantityLimits | undefined;
  /** Days of free trial a checkout of this plan starts with, unless the request names its own. */
  trial_days?: number | undefined;
}

/**
 * Everything that maps prices to features: the operator's catalog file plans and the Stripe
 * product features (product id → feature lookup keys, each meaning `true`).
 */
export interface Catalog {
  plans: CatalogPlan[];
  productFeatures: Record<string, string[]>;
}

/** The parts of an item (or of a price being sold) that plans match on. */
export type PlanTarget = Pick<ItemState, 'priceId' | 'lookupKey' | 'productId'>;

export function planMatchesItem(match: PlanMatch, item: PlanTarget): boolean {
  if ('lookup_key' in match) return item.lookupKey !== null && match.lookup_key === item.lookupKey;
  if ('price' in match) return match.price === item.priceId;
  return match.product === item.productId;
}

/**
 * The features one subscription item carries.
 *
 * Every file plan that matches the item contributes (booleans OR, numbers add; `'quantity'`
 * is the item's quantity, 0 included). Then the Stripe product features of the item's product
 * take precedence: each feature they name has value `true`, whatever the file says.
 * The map's keys are in sorted order, so the result does not depend on plan order.
 */
export function featuresForItem(item: ItemState, catalog: Catalog): Map<string, FeatureValue> {
  const collected = new Map<string, [FeatureValue, ...FeatureValue[]]>();
  for (const plan of catalog.plans) {
    if (!planMatchesItem(plan.match, item)) continue;
    for (const [feature, spec] of Object.entries(plan.features)) {
      const value: FeatureValue = spec === 'quantity' ? item.quantity : spec;
      const values = collected.get(feature);
      if (values) values.push(value);
      else collected.set(feature, [value]);
    }
  }
  const features = new Map<string, FeatureValue>();
  for (const [feature, values] of collected) features.set(feature, combineValues(values));
  const stripeFeatures = Object.hasOwn(catalog.productFeatures, item.productId)
    ? (catalog.productFeatures[item.productId] ?? [])
    : [];
  for (const feature of stripeFeatures) features.set(feature, true);
  return new Map([...features].sort(([a], [b]) => compareStrings(a, b)));
}

/**
 * The quantity limits of an item from every file plan that matches it: the largest minimum and the
 * smallest maximum (each absent when no matching plan sets it).
 */
export function quantityLimits(plans: readonly CatalogPlan[], item: ItemState): QuantityLimits {
  let min: number | undefined;
  let max: number | undefined;
  for (const plan of plans) {
    if (!plan.quantity || !planMatchesItem(plan.match, item)) continue;
    if (plan.quantity.min !== undefined) min = Math.max(min ?? plan.quantity.min, plan.quantity.min);
    if (plan.quantity.max !== undefined) max = Math.min(max ?? plan.quantity.max, plan.quantity.max);
  }
  return { min, max };
}

/** The trial days the first file plan matching a price offers (undefined when none does). */
export function planTrialDays(plans: readonly CatalogPlan[], price: PlanTarget): number | undefined {
  return plans.find((plan) => plan.trial_days !== undefined && planMatchesItem(plan.match, price))?.trial_days;
}
