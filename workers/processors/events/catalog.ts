import type { Context } from '../../../shared/context.js';
import { isStripeNotFound } from '../../../shared/stripe-errors.js';
import type { EventDecision, FamilyProcessor } from './decision.js';
import { idOf } from './decision.js';
import { enqueueRecompute } from '../../jobs.js';

/** Every customer with an item of one of these products or prices gets its entitlements recomputed. */
async function recomputeAffected(context: Context, column: 'product_id' | 'price_id', id: string): Promise<number> {
  const rows = await context.db('subscription_items as i').join('subscriptions as s', 's.id', 'i.subscription_id')
    .where(`i.${column}`, id).distinct<{ customer_id: string }[]>('s.customer_id');
  await enqueueRecompute(context, rows.map((row) => row.customer_id));
  return rows.length;
}

/**
 * `product.*`: mirror the product and its Stripe Entitlements features (fetched now: the event is
 * only a hint), compare-and-set on fetch time, then recompute the customers who hold it.
 */
export const productEvents: FamilyProcessor = async (context, object): Promise<EventDecision> => {
  const productId = idOf(object.id);
  if (!productId) return { kind: 'done', note: 'product without id' };
  const fetchedAt = new Date();
  const product = await context.stripe.products.retrieve(productId).catch((error: unknown) => {
    if (isStripeNotFound(error)) return undefined;
    throw error;
  });
  const features = product && !('deleted' in product && product.deleted)
    ? (await context.stripe.products.listFeatures(productId, { limit: 100 }).autoPagingToArray({ limit: 1000 })).map((feature) => feature.entitlement_feature.lookup_key)
    : [];
  const row = {
    id: productId,
    name: product?.name ?? null,
    active: product?.active ?? false,
    deleted: !product,
    features: features.sort(),
    metadata: JSON.stringify(product?.metadata ?? {}),
    synced_at: fetchedAt,
  };
  await context.db('catalog_products').insert(row).onConflict('id').merge().where('catalog_products.synced_at', '<', fetchedAt);
  const affected = await recomputeAffected(context, 'product_id', productId);
  return { kind: 'done', note: `product mirrored; ${affected} customer(s) recomputed` };
};

/** `price.*`: mirror the price; a changed lookup key changes which catalog plans match, so holders are recomputed. */
export const priceEvents: FamilyProcessor = async (context, object): Promise<EventDecision> => {
  const priceId = idOf(object.id);
  if (!priceId) return { kind: 'done', note: 'price without id' };
  const fetchedAt = new Date();
  const price = await context.stripe.prices.retrieve(priceId).catch((error: unknown) => {
    if (isStripeNotFound(error)) return undefined;
    throw error;
  });
  if (!price) {
    await context.db('catalog_prices').where({ id: priceId }).update({ deleted: true, active: false, synced_at: fetchedAt });
    return { kind: 'done', note: 'price gone' };
  }
  await context.db.transaction(async (trx) => {
    // A lookup key moves between prices atomically at Stripe; release it locally before claiming it.
    if (price.lookup_key) await trx('catalog_prices').where({ lookup_key: price.lookup_key }).whereNot({ id: priceId }).update({ lookup_key: null });
    await trx('catalog_prices').insert({
      id: priceId,
      product_id: idOf(price.product) ?? '',
      lookup_key: price.lookup_key ?? null,
      active: price.active,
      deleted: false,
      unit_amount: price.unit_amount ?? null,
      currency: price.currency,
      recurring_interval: price.recurring?.interval ?? null,
      synced_at: fetchedAt,
    }).onConflict('id').merge().where('catalog_prices.synced_at', '<', fetchedAt);
    await trx('subscription_items').where({ price_id: priceId }).whereRaw('lookup_key is distinct from ?', [price.lookup_key ?? null]).update({ lookup_key: price.lookup_key ?? null });
  });
  const affected = await recomputeAffected(context, 'price_id', priceId);
  return { kind: 'done', note: `price mirrored; ${affected} customer(s) recomputed` };
};
