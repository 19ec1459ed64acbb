import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { SimContext } from './context.js';
import { buildFeature, buildPrice, buildProduct, buildProductFeature } from './objects/catalog.js';
import { setCurrencyAmounts } from './ops/money.js';

const metadata = z.record(z.string(), z.string()).optional();

/** The seed file: a catalog that exists before the simulator starts (no events are emitted). */
export const seedSchema = z.object({
  products: z.array(z.object({ id: z.string(), name: z.string(), description: z.string().optional(), metadata })).default([]),
  prices: z.array(z.object({
    id: z.string(),
    product: z.string(),
    currency: z.string().default('usd'),
    unit_amount: z.number().int().nonnegative(),
    lookup_key: z.string().optional(),
    nickname: z.string().optional(),
    interval: z.enum(['day', 'week', 'month', 'year']).optional(),
    interval_count: z.number().int().positive().optional(),
    trial_period_days: z.number().int().positive().optional(),
    /** Unit amounts in other currencies: `{ "eur": 2700 }` (Stripe's `currency_options`). */
    currency_options: z.record(z.string().regex(/^[a-z]{3}$/), z.number().int().nonnegative()).optional(),
    metadata,
  })).default([]),
  features: z.array(z.object({ id: z.string(), lookup_key: z.string(), name: z.string(), metadata })).default([]),
  product_features: z.array(z.object({ product: z.string(), feature: z.string() })).default([]),
});

export type SimSeed = z.input<typeof seedSchema>;

export function readSeedFile(path: string): SimSeed {
  return seedSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
}

/** Loads a catalog into the store, failing on dangling references. */
export function applySeed(ctx: SimContext, input: SimSeed): void {
  const seed = seedSchema.parse(input);
  const { store } = ctx;
  for (const product of seed.products) store.products.set(product.id, buildProduct(ctx, product));
  for (const price of seed.prices) {
    if (!store.products.has(price.product)) throw new Error(`Seed price ${price.id} names unknown product ${price.product}`);
    const recurring = price.interval
      ? { interval: price.interval, interval_count: price.interval_count ?? 1, trial_period_days: price.trial_period_days ?? null }
      : null;
    const built = buildPrice(ctx, { ...price, recurring });
    store.prices.set(price.id, built);
    setCurrencyAmounts(ctx, built, price.currency_options ?? {});
    const product = store.products.get(price.product);
    if (product && !product.default_price) product.default_price = price.id;
  }
  for (const feature of seed.features) store.features.set(feature.id, buildFeature(ctx, feature));
  for (const link of seed.product_features) {
    const feature = store.features.get(link.feature);
    if (!feature || !store.products.has(link.product)) throw new Error(`Seed product feature names unknown ${feature ? 'product' : 'feature'}`);
    const productFeature = buildProductFeature(ctx, feature);
    store.productFeatures.set(productFeature.id, { product: link.product, feature: productFeature });
  }
}
