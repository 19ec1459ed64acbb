import type { Context } from '../../../shared/context.js';
import type { Db } from '../../../shared/infra/db.js';
import type { Stripe } from '../../../shared/infra/stripe.js';
import { isStripeNotFound } from '../../../shared/infra/stripe-errors.js';
import { enqueueRecompute } from '../../jobs.js';
import type { EventDecision, FamilyProcessor } from './decision.js';
import { idOf } from './decision.js';

/** A `catalog_products` row, as written compare-and-set on `synced_at`. */
export interface ProductRow {
  id: string;
  name: string | null;
  active: boolean;
  deleted: boolean;
  features: string[];
  metadata: string;
  synced_at: Date;
}

/** What Stripe has of a product now: undefined when it does not know it (404). */
export interface ProductSnapshot { product: Stripe.Product | Stripe.DeletedProduct | undefined; featureKeys: string[]; fetchedAt: Date }

/** The mirror row of a product as Stripe has it: a product Stripe does not know is deleted, inactive, without features. */
export function decideProduct(productId: string, { product, featureKeys, fetchedAt }: ProductSnapshot): ProductRow {
  const live = product && !('deleted' in product && product.deleted) ? product : undefined;
  return {
    id: productId,
    name: live?.name ?? null,
    active: live?.active ?? false,
    deleted: !product,
    features: live ? [...featureKeys].sort() : [],
    metadata: JSON.stringify(live?.metadata ?? {}),
    synced_at: fetchedAt,
  };
}

/** A `catalog_prices` row, as written compare-and-set on `synced_at`. */
export interface PriceRow {
  id: string;
  product_id: string;
  lookup_key: string | null;
  active: boolean;
  deleted: boolean;
  unit_amount: number | null;
  currency: string;
  /** JSON `{ currency: unit amount }` in minor units, the price's own currency included. */
  currency_options: string;
  recurring_interval: string | null;
  synced_at: Date;
}

/** A price's unit amount in each currency it is sold in: its `currency_options` (expanded), and its own. */
export function amountsByCurrency(price: Stripe.Price): Record<string, number | null> {
  const amounts: Record<string, number | null> = { [price.currency]: price.unit_amount ?? null };
  for (const [currency, option] of Object.entries(price.currency_options ?? {})) amounts[currency] = option.unit_amount ?? null;
  return Object.fromEntries(Object.entries(amounts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** What a price event changes: a price Stripe no longer knows is marked deleted; any other is mirrored. */
export type PriceChange =
  | { kind: 'gone'; priceId: string; syncedAt: Date }
  | { kind: 'mirror'; row: PriceRow };

export function decidePrice(priceId: string, price: Stripe.Price | undefined, fetchedAt: Date): PriceChange {
  if (!price) return { kind: 'gone', priceId, syncedAt: fetchedAt };
  return {
    kind: 'mirror',
    row: {
      id: priceId,
      product_id: idOf(price.product) ?? '',
      lookup_key: price.lookup_key ?? null,
      active: price.active,
      deleted: false,
      unit_amount: price.unit_amount ?? null,
      currency: price.currency,
      currency_options: JSON.stringify(amountsByCurrency(price)),
      recurring_interval: price.recurring?.interval ?? null,
      synced_at: fetchedAt,
    },
  };
}

/** A Stripe retrieval that answers undefined for an object Stripe does not know. */
const unlessMissing = <T>(request: Promise<T>): Promise<T | undefined> => request.catch((error: unknown) => {
  if (isStripeNotFound(error)) return undefined;
  throw error;
});

/** The customers holding an item of this product or price (their entitlements depend on it). */
async function holders(db: Db, column: 'product_id' | 'price_id', id: string): Promise<string[]> {
  const rows = await db('subscription_items as i').join('subscriptions as s', 's.id', 'i.subscription_id')
    .where(`i.${column}`, id).distinct<{ customer_id: string }[]>('s.customer_id');
  return rows.map((row) => row.customer_id);
}

async function loadProduct(context: Pick<Context, 'stripe'>, productId: string): Promise<ProductSnapshot> {
  const fetchedAt = new Date();
  const product = await unlessMissing(context.stripe.products.retrieve(productId));
  const featureKeys = product && !('deleted' in product && product.deleted)
    ? (await context.stripe.products.listFeatures(productId, { limit: 100 }).autoPagingToArray({ limit: 1000 })).map((feature) => feature.entitlement_feature.lookup_key)
    : [];
  return { product, featureKeys, fetchedAt };
}

/**
 * `product.*`: mirror the product and its Stripe Entitlements features (fetched now: the event is
 * only a hint), compare-and-set on fetch time, then recompute the customers who hold it.
 */
export const productEvents: FamilyProcessor = async (context, object): Promise<EventDecision> => {
  const productId = idOf(object.id);
  if (!productId) return { kind: 'done', note: 'product without id' };
  const row = decideProduct(productId, await loadProduct(context, productId));
  const affected = await context.db.transaction(async (trx) => {
    await trx('catalog_products').insert(row).onConflict('id').merge().where('catalog_products.synced_at', '<', row.synced_at);
    return holders(trx, 'product_id', productId);
  });
  await enqueueRecompute(context, affected);
  return { kind: 'done', note: `product mirrored; ${affected.length} customer(s) recomputed` };
};

/** `price.*`: mirror the price; a changed lookup key changes which catalog plans match, so holders are recomputed. */
export const priceEvents: FamilyProcessor = async (context, object): Promise<EventDecision> => {
  const priceId = idOf(object.id);
  if (!priceId) return { kind: 'done', note: 'price without id' };
  const fetchedAt = new Date();
  const change = decidePrice(priceId, await unlessMissing(context.stripe.prices.retrieve(priceId, { expand: ['currency_options'] })), fetchedAt);
  if (change.kind === 'gone') {
    await context.db('catalog_prices').where({ id: priceId }).update({ deleted: true, active: false, synced_at: change.syncedAt });
    return { kind: 'done', note: 'price gone' };
  }
  const { row } = change;
  const affected = await context.db.transaction(async (trx) => {
    // A lookup key moves between prices atomically at Stripe; release it locally before claiming it.
    if (row.lookup_key) await trx('catalog_prices').where({ lookup_key: row.lookup_key }).whereNot({ id: priceId }).update({ lookup_key: null });
    await trx('catalog_prices').insert(row).onConflict('id').merge().where('catalog_prices.synced_at', '<', row.synced_at);
    await trx('subscription_items').where({ price_id: priceId }).whereRaw('lookup_key is distinct from ?', [row.lookup_key]).update({ lookup_key: row.lookup_key });
    return holders(trx, 'price_id', priceId);
  });
  await enqueueRecompute(context, affected);
  return { kind: 'done', note: `price mirrored; ${affected.length} customer(s) recomputed` };
};
