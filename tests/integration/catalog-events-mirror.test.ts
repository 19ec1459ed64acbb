import test from 'ava';
import { StripeState, uid, useStripeState, type StripeAnswer } from '../support/stripe-state.js';
import { startServices } from '../support/services.js';
import { priceEvents, productEvents } from '../../workers/processors/events/catalog.js';

/** A Stripe that answers 500 for the objects named in `failing`, and from its state otherwise. */
class FlakyStripe extends StripeState {
  readonly failing = new Set<string>();
  override answer(method: string, url: string): StripeAnswer {
    if ([...this.failing].some((id) => url.includes(id))) return [500, { error: { type: 'api_error', message: 'try again' } }];
    return super.answer(method, url);
  }
  override owns(url: string): boolean {
    return [...this.failing].some((id) => url.includes(id)) || super.owns(url);
  }
}

test('product and price events whose object has no id are done without a Stripe call or a write', async (t) => {
  const stripe = new StripeState();
  t.teardown(useStripeState(stripe));
  const { api } = await startServices(t);
  t.deepEqual(await productEvents(api.context, { object: 'product' }, 'product.updated'), { kind: 'done', note: 'product without id' });
  t.deepEqual(await priceEvents(api.context, { id: '', object: 'price' }, 'price.updated'), { kind: 'done', note: 'price without id' });
  t.deepEqual(stripe.calls, []);
  t.deepEqual(await api.context.db('catalog_products').select('id'), []);
  t.deepEqual(await api.context.db('catalog_prices').select('id'), []);
});

test('a Stripe failure fetching a product or a price is thrown (the job retries) and writes nothing', async (t) => {
  const stripe = new FlakyStripe();
  const product = uid('prod');
  const price = uid('price');
  stripe.failing.add(product).add(price);
  t.teardown(useStripeState(stripe));
  const { api } = await startServices(t);
  await t.throwsAsync(productEvents(api.context, { id: product, object: 'product' }, 'product.updated'), { instanceOf: Error, message: /try again/ });
  await t.throwsAsync(priceEvents(api.context, { id: price, object: 'price' }, 'price.updated'), { instanceOf: Error, message: /try again/ });
  t.deepEqual(await api.context.db('catalog_products').select('id'), []);
  t.deepEqual(await api.context.db('catalog_prices').select('id'), []);
});

test('a price without lookup key, amount or interval, its product expanded, is mirrored with nulls and clears the lookup key of its items', async (t) => {
  const stripe = new StripeState();
  const price = uid('price');
  const product = uid('prod');
  stripe.prices.set(price, { id: price, object: 'price', product: { id: product, object: 'product' }, lookup_key: null, active: false, unit_amount: null, currency: 'eur', recurring: null });
  t.teardown(useStripeState(stripe));
  const { api } = await startServices(t);
  const { db } = api.context;
  const [customer] = await db('customers').insert({ stripe_customer_id: uid('cus') }).returning<{ id: string }[]>('id');
  const subscription = uid('sub');
  await db('subscriptions').insert({ id: subscription, customer_id: customer.id, stripe_customer_id: uid('cus'), status: 'active', synced_at: new Date() });
  await db('subscription_items').insert({ id: uid('si'), subscription_id: subscription, price_id: price, product_id: product, lookup_key: 'metered_old' });

  t.deepEqual(await priceEvents(api.context, { id: price, object: 'price' }, 'price.updated'), { kind: 'done', note: 'price mirrored; 1 customer(s) recomputed' });
  t.like(await db('catalog_prices').where({ id: price }).first(), { product_id: product, lookup_key: null, active: false, deleted: false, unit_amount: null, currency: 'eur', recurring_interval: null });
  t.deepEqual(await db('subscription_items').where({ price_id: price }).select('lookup_key'), [{ lookup_key: null }]);
});
