import test from 'ava';
import type { Stripe } from '../../shared/infra/stripe.js';
import { decidePrice, decideProduct } from '../../workers/processors/events/catalog.js';

const fetchedAt = new Date('2026-03-01T10:00:00Z');

const product = (fields: Partial<Stripe.Product> = {}): Stripe.Product =>
  ({ id: 'prod_pro', object: 'product', name: 'Pro', active: true, metadata: { tier: 'pro' }, ...fields }) as unknown as Stripe.Product;

const price = (fields: Partial<Stripe.Price> = {}): Stripe.Price =>
  ({ id: 'price_pro', object: 'price', product: 'prod_pro', lookup_key: 'pro_monthly', active: true, unit_amount: 1500, currency: 'eur', recurring: { interval: 'month' }, ...fields }) as unknown as Stripe.Price;

test('a live product is mirrored with its name, state, metadata and its feature keys sorted', (t) => {
  t.deepEqual(decideProduct('prod_pro', { product: product(), featureKeys: ['seats', 'api_calls', 'pro'], fetchedAt }), {
    id: 'prod_pro', name: 'Pro', active: true, deleted: false, features: ['api_calls', 'pro', 'seats'], metadata: '{"tier":"pro"}', synced_at: fetchedAt,
  });
});

test('an archived product keeps its features but is inactive', (t) => {
  const row = decideProduct('prod_pro', { product: product({ active: false }), featureKeys: ['pro'], fetchedAt });
  t.false(row.active);
  t.false(row.deleted);
  t.deepEqual(row.features, ['pro']);
});

test('a product Stripe does not know is deleted, inactive and grants nothing', (t) => {
  t.deepEqual(decideProduct('prod_gone', { product: undefined, featureKeys: ['pro'], fetchedAt }), {
    id: 'prod_gone', name: null, active: false, deleted: true, features: [], metadata: '{}', synced_at: fetchedAt,
  });
});

test('a deleted product (Stripe still answers it) has no name, no features and is inactive', (t) => {
  const deleted = { id: 'prod_old', object: 'product', deleted: true } as Stripe.DeletedProduct;
  t.deepEqual(decideProduct('prod_old', { product: deleted, featureKeys: ['pro'], fetchedAt }), {
    id: 'prod_old', name: null, active: false, deleted: false, features: [], metadata: '{}', synced_at: fetchedAt,
  });
});

test('a price is mirrored with its product, lookup key, amount and interval', (t) => {
  t.deepEqual(decidePrice('price_pro', price(), fetchedAt), {
    kind: 'mirror',
    row: { id: 'price_pro', product_id: 'prod_pro', lookup_key: 'pro_monthly', active: true, deleted: false, unit_amount: 1500, currency: 'eur', currency_options: '{"eur":1500}', recurring_interval: 'month', synced_at: fetchedAt },
  });
});

test('a price sold in several currencies is mirrored with its amount in each, in minor units, its own included', (t) => {
  const change = decidePrice('price_pro', price({ currency_options: { usd: { unit_amount: 1700 } as Stripe.Price.CurrencyOptions, gbp: { unit_amount: 1300 } as Stripe.Price.CurrencyOptions } }), fetchedAt);
  t.is(change.kind === 'mirror' ? change.row.currency_options : undefined, '{"eur":1500,"gbp":1300,"usd":1700}');
});

test('a one-time price without lookup key or amount is mirrored with nulls; an expanded product gives its id', (t) => {
  const change = decidePrice('price_once', price({ id: 'price_once', product: { id: 'prod_x' } as Stripe.Product, lookup_key: null, unit_amount: null, recurring: null }), fetchedAt);
  t.deepEqual(change, {
    kind: 'mirror',
    row: { id: 'price_once', product_id: 'prod_x', lookup_key: null, active: true, deleted: false, unit_amount: null, currency: 'eur', currency_options: '{"eur":null}', recurring_interval: null, synced_at: fetchedAt },
  });
});

test('a price Stripe does not know is gone, stamped with the fetch time', (t) => {
  t.deepEqual(decidePrice('price_gone', undefined, fetchedAt), { kind: 'gone', priceId: 'price_gone', syncedAt: fetchedAt });
});
