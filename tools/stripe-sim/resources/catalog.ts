import type { ApiRoutes } from '../api.js';
import type { SimContext } from '../context.js';
import type { FormObject } from '../form.js';
import { invalidRequest, resourceMissing } from '../errors.js';
import { newestFirst, paginate } from '../list.js';
import { mustGet, productIdOf } from '../ops/lookup.js';
import { attachFeature, createPrice, createProduct, detachFeature, updatePrice, updateProduct, type PricePatch, type ProductPatch } from '../ops/catalog.js';
import { mergeMetadata, optBool, optInt, optObject, optString, optStrings, reqString } from '../params.js';

const intervals = new Set(['day', 'week', 'month', 'year']);

/** `currency_options[eur][unit_amount]=900`: a unit amount per other currency. */
function currencyAmounts(body: FormObject): Record<string, number> {
  const options = optObject(body, 'currency_options') ?? {};
  return Object.fromEntries(Object.keys(options).map((currency) => {
    const option = optObject(options, currency) ?? {};
    const amount = optInt(option, 'unit_amount');
    if (amount === undefined) throw invalidRequest(`Missing required param: currency_options[${currency}][unit_amount].`, 'parameter_missing', `currency_options[${currency}][unit_amount]`);
    return [currency.toLowerCase(), amount];
  }));
}

export function catalogRoutes(routes: ApiRoutes, ctx: SimContext): void {
  routes.post('/products', ({ body }) => createProduct(ctx, {
    id: optString(body, 'id'),
    name: reqString(body, 'name'),
    description: optString(body, 'description') ?? null,
    active: optBool(body, 'active'),
    metadata: mergeMetadata({}, body) ?? {},
  }));
  routes.get('/products/:id', ({ params }) => mustGet(ctx.store.products, params.id ?? '', 'product'));
  routes.post('/products/:id', ({ params, body }) => {
    const product = mustGet(ctx.store.products, params.id ?? '', 'product');
    const patch: ProductPatch = {};
    const name = optString(body, 'name');
    if (name !== undefined) patch.name = name;
    const description = optString(body, 'description');
    if (description !== undefined) patch.description = description === '' ? null : description;
    const active = optBool(body, 'active');
    if (active !== undefined) patch.active = active;
    const defaultPrice = optString(body, 'default_price');
    if (defaultPrice !== undefined) patch.default_price = defaultPrice === '' ? null : mustGet(ctx.store.prices, defaultPrice, 'price', 'default_price').id;
    const metadata = mergeMetadata(product.metadata, body);
    if (metadata !== undefined) patch.metadata = metadata;
    return updateProduct(ctx, product.id, patch);
  });
  routes.get('/products', ({ body }) => {
    const active = optBool(body, 'active');
    const ids = optStrings(body, 'ids');
    const products = newestFirst(ctx.store.products).filter((p) => (active === undefined || p.active === active) && (!ids || ids.includes(p.id)));
    return paginate(products, body, '/v1/products');
  });

  routes.post('/prices', ({ body }) => {
    const recurring = optObject(body, 'recurring');
    const interval = recurring && reqString(recurring, 'interval');
    if (interval !== undefined && !intervals.has(interval)) throw invalidRequest(`Invalid recurring[interval]: ${interval}`, 'parameter_invalid', 'recurring[interval]');
    const usageType = recurring && optString(recurring, 'usage_type');
    if (usageType !== undefined && usageType !== 'licensed' && usageType !== 'metered') throw invalidRequest(`Invalid recurring[usage_type]: ${usageType}`, 'parameter_invalid', 'recurring[usage_type]');
    const meter = recurring && optString(recurring, 'meter');
    if (usageType === 'metered' && meter === undefined) throw invalidRequest('A metered price requires recurring[meter].', 'parameter_missing', 'recurring[meter]');
    if (meter !== undefined) mustGet(ctx.store.meters, meter, 'billing meter', 'recurring[meter]');
    const unitAmount = optInt(body, 'unit_amount');
    if (unitAmount === undefined) throw invalidRequest('Missing required param: unit_amount.', 'parameter_missing', 'unit_amount');
    return createPrice(ctx, {
      product: reqString(body, 'product'),
      currency: reqString(body, 'currency').toLowerCase(),
      unit_amount: unitAmount,
      lookup_key: optString(body, 'lookup_key') ?? null,
      nickname: optString(body, 'nickname') ?? null,
      active: optBool(body, 'active'),
      metadata: mergeMetadata({}, body) ?? {},
      recurring: recurring && interval ? {
        interval: interval,
        interval_count: optInt(recurring, 'interval_count') ?? 1,
        trial_period_days: optInt(recurring, 'trial_period_days') ?? null,
        ...(usageType && { usage_type: usageType }),
        ...(meter !== undefined && { meter }),
      } : null,
    }, optBool(body, 'transfer_lookup_key') ?? false, currencyAmounts(body));
  });
  routes.get('/prices/:id', ({ params }) => mustGet(ctx.store.prices, params.id ?? '', 'price'));
  routes.post('/prices/:id', ({ params, body }) => {
    const price = mustGet(ctx.store.prices, params.id ?? '', 'price');
    const patch: PricePatch = {};
    const active = optBool(body, 'active');
    if (active !== undefined) patch.active = active;
    const nickname = optString(body, 'nickname');
    if (nickname !== undefined) patch.nickname = nickname === '' ? null : nickname;
    const lookupKey = optString(body, 'lookup_key');
    if (lookupKey !== undefined) patch.lookup_key = lookupKey === '' ? null : lookupKey;
    const metadata = mergeMetadata(price.metadata, body);
    if (metadata !== undefined) patch.metadata = metadata;
    return updatePrice(ctx, price.id, patch, optBool(body, 'transfer_lookup_key') ?? false);
  });
  routes.get('/prices', ({ body }) => {
    const lookupKeys = optStrings(body, 'lookup_keys');
    const product = optString(body, 'product');
    const active = optBool(body, 'active');
    const type = optString(body, 'type');
    const prices = newestFirst(ctx.store.prices).filter((price) =>
      (!lookupKeys || (price.lookup_key !== null && lookupKeys.includes(price.lookup_key)))
      && (product === undefined || productIdOf(price) === product)
      && (active === undefined || price.active === active)
      && (type === undefined || price.type === type));
    return paginate(prices, body, '/v1/prices');
  });

  routes.get('/products/:id/features', ({ params, body }) => {
    const product = mustGet(ctx.store.products, params.id ?? '', 'product').id;
    const links = newestFirst(ctx.store.productFeatures).filter((link) => link.product === product).map((link) => link.feature);
    return paginate(links, body, `/v1/products/${product}/features`);
  });
  routes.post('/products/:id/features', ({ params, body }) => attachFeature(ctx, params.id ?? '', reqString(body, 'entitlement_feature')));
  routes.get('/products/:id/features/:feature', ({ params }) => {
    const link = mustGet(ctx.store.productFeatures, params.feature ?? '', 'product_feature');
    if (link.product !== params.id) throw resourceMissing('product_feature', params.feature ?? '');
    return link.feature;
  });
  routes.delete('/products/:id/features/:feature', ({ params }) => detachFeature(ctx, params.id ?? '', params.feature ?? ''));
}
