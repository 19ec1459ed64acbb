import test from 'ava';
import { featuresForItem, type Catalog, type CatalogPlan } from '../../shared/domain/index.js';
import { item } from './domain-builders.js';

const catalog = (plans: CatalogPlan[], productFeatures: Record<string, string[]> = {}): Catalog => ({ plans, productFeatures });
const asObject = (features: Map<string, unknown>): Record<string, unknown> => Object.fromEntries(features);

const proItem = item({ priceId: 'price_123', productId: 'prod_pro', lookupKey: 'pro_monthly', quantity: 3 });

test('a plan matches by lookup key, price id or product id', (t) => {
  for (const match of [{ lookup_key: 'pro_monthly' }, { price: 'price_123' }, { product: 'prod_pro' }]) {
    t.deepEqual(asObject(featuresForItem(proItem, catalog([{ match, features: { pro: true } }]))), { pro: true }, JSON.stringify(match));
  }
});

test('a plan for another lookup key, price or product does not match', (t) => {
  const plans: CatalogPlan[] = [
    { match: { lookup_key: 'pro_yearly' }, features: { a: true } },
    { match: { price: 'price_999' }, features: { b: true } },
    { match: { product: 'prod_team' }, features: { c: true } },
  ];
  t.is(featuresForItem(proItem, catalog(plans)).size, 0);
});

test('an item without a lookup key matches no lookup-key plan', (t) => {
  t.is(featuresForItem(item({ lookupKey: null }), catalog([{ match: { lookup_key: '' }, features: { a: true } }])).size, 0);
});

test('"quantity" takes the item quantity, 0 included', (t) => {
  const plans: CatalogPlan[] = [{ match: { product: 'prod_pro' }, features: { seats: 'quantity' } }];
  t.deepEqual(asObject(featuresForItem(proItem, catalog(plans))), { seats: 3 });
  t.deepEqual(asObject(featuresForItem({ ...proItem, quantity: 0 }, catalog(plans))), { seats: 0 });
});

test('several matching plans combine: booleans OR, numbers add, mixed keeps the sum of numbers', (t) => {
  const plans: CatalogPlan[] = [
    { match: { lookup_key: 'pro_monthly' }, features: { pro: true, api_calls: 10000, seats: true } },
    { match: { product: 'prod_pro' }, features: { pro: true, api_calls: 500, seats: 'quantity' } },
    { match: { price: 'price_123' }, features: { export: true } },
  ];
  t.deepEqual(asObject(featuresForItem(proItem, catalog(plans))), { api_calls: 10500, export: true, pro: true, seats: 3 });
});

test('Stripe product features take precedence over the file for the features they name', (t) => {
  const plans: CatalogPlan[] = [{ match: { product: 'prod_pro' }, features: { api_calls: 10000, seats: 'quantity' } }];
  const features = featuresForItem(proItem, catalog(plans, { prod_pro: ['api_calls', 'sso'], prod_team: ['team'] }));
  t.deepEqual(asObject(features), { api_calls: true, seats: 3, sso: true });
});

test('Stripe product features alone are enough', (t) => {
  t.deepEqual(asObject(featuresForItem(proItem, catalog([], { prod_pro: ['pro'] }))), { pro: true });
});

test('a product id that is an Object prototype key does not pick up prototype properties', (t) => {
  t.is(featuresForItem(item({ productId: 'constructor' }), catalog([])).size, 0);
});

test('features come out in sorted order whatever the plan order', (t) => {
  const a: CatalogPlan = { match: { product: 'prod_pro' }, features: { zeta: true, alpha: 1 } };
  const b: CatalogPlan = { match: { price: 'price_123' }, features: { mid: true, alpha: 2 } };
  const forward = [...featuresForItem(proItem, catalog([a, b]))];
  const backward = [...featuresForItem(proItem, catalog([b, a]))];
  t.deepEqual(forward, [
    ['alpha', 3],
    ['mid', true],
    ['zeta', true],
  ]);
  t.deepEqual(backward, forward);
});
