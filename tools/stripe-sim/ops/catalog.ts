import type Stripe from 'stripe';
import type { SimContext } from '../context.js';
import { invalidRequest, resourceMissing } from '../errors.js';
import { buildFeature, buildPrice, buildProduct, buildProductFeature, type FeatureInput, type PriceInput, type ProductInput } from '../objects/catalog.js';
import { refreshProductCustomers } from './entitlements.js';
import { mustGet } from './lookup.js';
import { setCurrencyAmounts, type CurrencyAmounts } from './money.js';
import { changedFields } from './subscription-update.js';

export function createProduct(ctx: SimContext, input: ProductInput): Stripe.Product {
  if (input.id !== undefined && ctx.store.products.has(input.id)) {
    throw invalidRequest(`Product already exists.`, 'resource_already_exists', 'id');
  }
  const product = buildProduct(ctx, input);
  ctx.store.products.set(product.id, product);
  ctx.events.emit('product.created', product);
  return product;
}

export type ProductPatch = Partial<Pick<Stripe.Product, 'name' | 'description' | 'active' | 'metadata' | 'default_price'>>;

export function updateProduct(ctx: SimContext, id: string, patch: ProductPatch): Stripe.Product {
  const product = mustGet(ctx.store.products, id, 'product');
  const before = structuredClone(product);
  Object.assign(product, patch);
  const previous = changedFields(before, product);
  if (Object.keys(previous).length === 0) return product;
  product.updated = ctx.clock.now();
  ctx.events.emit('product.updated', product, previous);
  return product;
}

/**
 * Moves a lookup key to `price` when `transfer` is set; otherwise a key already in use is an
 * error, as in Stripe.
 */
function claimLookupKey(ctx: SimContext, price: string | null, key: string, transfer: boolean): void {
  for (const other of ctx.store.prices.values()) {
    if (other.id === price || other.lookup_key !== key) continue;
    if (!transfer) throw invalidRequest(`A price (\`${other.id}\`) already uses that lookup key.`, 'lookup_key_already_in_use', 'lookup_key');
    other.lookup_key = null;
    ctx.events.emit('price.updated', other, { lookup_key: key });
  }
}

export function createPrice(ctx: SimContext, input: PriceInput, transferLookupKey = false, currencyAmounts: CurrencyAmounts = {}): Stripe.Price {
  mustGet(ctx.store.products, input.product, 'product', 'product');
  if (input.lookup_key) claimLookupKey(ctx, null, input.lookup_key, transferLookupKey);
  const price = buildPrice(ctx, input);
  ctx.store.prices.set(price.id, price);
  setCurrencyAmounts(ctx, price, currencyAmounts);
  ctx.events.emit('price.created', price);
  return price;
}

export type PricePatch = Partial<Pick<Stripe.Price, 'active' | 'metadata' | 'nickname' | 'lookup_key'>>;

export function updatePrice(ctx: SimContext, id: string, patch: PricePatch, transferLookupKey = false): Stripe.Price {
  const price = mustGet(ctx.store.prices, id, 'price');
  if (patch.lookup_key) claimLookupKey(ctx, id, patch.lookup_key, transferLookupKey);
  const before = structuredClone(price);
  Object.assign(price, patch);
  const previous = changedFields(before, price);
  if (Object.keys(previous).length > 0) ctx.events.emit('price.updated', price, previous);
  return price;
}

export function createFeature(ctx: SimContext, input: FeatureInput): Stripe.Entitlements.Feature {
  for (const feature of ctx.store.features.values()) {
    if (feature.lookup_key === input.lookup_key) throw invalidRequest('A feature with this lookup_key already exists.', 'resource_already_exists', 'lookup_key');
  }
  const feature = buildFeature(ctx, input);
  ctx.store.features.set(feature.id, feature);
  return feature;
}

/** Attaches a feature to a product; subscribers' entitlements change at once. */
export function attachFeature(ctx: SimContext, product: string, featureId: string): Stripe.ProductFeature {
  mustGet(ctx.store.products, product, 'product');
  const feature = mustGet(ctx.store.features, featureId, 'feature', 'entitlement_feature');
  for (const link of ctx.store.productFeatures.values()) {
    if (link.product === product && link.feature.entitlement_feature.id === featureId) {
      throw invalidRequest('This feature is already attached to this product.', 'resource_already_exists', 'entitlement_feature');
    }
  }
  const productFeature = buildProductFeature(ctx, feature);
  ctx.store.productFeatures.set(productFeature.id, { product, feature: productFeature });
  refreshProductCustomers(ctx, product);
  return productFeature;
}

export function detachFeature(ctx: SimContext, product: string, id: string): Stripe.DeletedProductFeature {
  const link = mustGet(ctx.store.productFeatures, id, 'product_feature');
  if (link.product !== product) throw resourceMissing('product_feature', id);
  ctx.store.productFeatures.delete(id);
  refreshProductCustomers(ctx, product);
  return { id, object: 'product_feature', deleted: true };
}
