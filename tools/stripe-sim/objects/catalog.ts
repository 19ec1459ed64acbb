import type Stripe from 'stripe';
import type { SimContext } from '../context.js';

export interface ProductInput {
  id?: string;
  name: string;
  description?: string | null;
  active?: boolean;
  metadata?: Record<string, string>;
  default_price?: string | null;
}

export function buildProduct(ctx: SimContext, input: ProductInput): Stripe.Product {
  const now = ctx.clock.now();
  return {
    id: input.id ?? ctx.ids.next('prod'),
    object: 'product',
    active: input.active ?? true,
    created: now,
    default_price: input.default_price ?? null,
    description: input.description ?? null,
    images: [],
    livemode: false,
    marketing_features: [],
    metadata: input.metadata ?? {},
    name: input.name,
    package_dimensions: null,
    shippable: null,
    statement_descriptor: null,
    tax_code: null,
    tax_details: null,
    type: 'service',
    unit_label: null,
    updated: now,
    url: null,
  };
}

export interface PriceInput {
  id?: string;
  product: string;
  currency: string;
  unit_amount: number;
  lookup_key?: string | null;
  nickname?: string | null;
  active?: boolean;
  metadata?: Record<string, string>;
  /** Absent for one-time prices. */
  recurring?: {
    interval: Stripe.Price.Recurring.Interval;
    interval_count?: number;
    trial_period_days?: number | null;
    /** `metered`: billed from a meter's usage in the period, not by quantity. @defaultValue licensed */
    usage_type?: Stripe.Price.Recurring.UsageType;
    /** The meter a metered price bills. */
    meter?: string | null;
  } | null;
}

export function buildPrice(ctx: SimContext, input: PriceInput): Stripe.Price {
  const recurring = input.recurring
    ? {
        interval: input.recurring.interval,
        interval_count: input.recurring.interval_count ?? 1,
        meter: input.recurring.meter ?? null,
        trial_period_days: input.recurring.trial_period_days ?? null,
        usage_type: input.recurring.usage_type ?? 'licensed',
      }
    : null;
  return {
    id: input.id ?? ctx.ids.next('price'),
    object: 'price',
    active: input.active ?? true,
    billing_scheme: 'per_unit',
    created: ctx.clock.now(),
    currency: input.currency,
    custom_unit_amount: null,
    livemode: false,
    lookup_key: input.lookup_key ?? null,
    metadata: input.metadata ?? {},
    nickname: input.nickname ?? null,
    product: input.product,
    recurring,
    tax_behavior: 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    type: recurring ? 'recurring' : 'one_time',
    unit_amount: input.unit_amount,
    unit_amount_decimal: null,
  };
}

/** The legacy `plan` view Stripe still puts on subscription items, derived from a recurring price. */
export function planFromPrice(price: Stripe.Price): Stripe.Plan {
  return {
    id: price.id,
    object: 'plan',
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: price.billing_scheme,
    created: price.created,
    currency: price.currency,
    interval: price.recurring?.interval ?? 'month',
    interval_count: price.recurring?.interval_count ?? 1,
    livemode: false,
    metadata: price.metadata,
    meter: price.recurring?.meter ?? null,
    nickname: price.nickname,
    product: typeof price.product === 'string' ? price.product : price.product.id,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: price.recurring?.trial_period_days ?? null,
    usage_type: price.recurring?.usage_type ?? 'licensed',
  };
}

export interface FeatureInput {
  id?: string;
  lookup_key: string;
  name: string;
  metadata?: Record<string, string>;
}

export function buildFeature(ctx: SimContext, input: FeatureInput): Stripe.Entitlements.Feature {
  return {
    id: input.id ?? ctx.ids.next('feat'),
    object: 'entitlements.feature',
    active: true,
    livemode: false,
    lookup_key: input.lookup_key,
    metadata: input.metadata ?? {},
    name: input.name,
  };
}

export function buildProductFeature(ctx: SimContext, feature: Stripe.Entitlements.Feature): Stripe.ProductFeature {
  return { id: ctx.ids.next('prodft'), object: 'product_feature', entitlement_feature: structuredClone(feature), livemode: false };
}
