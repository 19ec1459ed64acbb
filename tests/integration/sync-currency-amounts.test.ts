import test from 'ava';
import { syncCustomer } from '../../shared/sync/sync-customer.js';
import { priceEvents } from '../../workers/processors/events/catalog.js';
import { startServices } from '../support/services.js';
import { StripeState, uid, useStripeState, type Json } from '../support/stripe-state.js';

const multiCurrency = { currency: 'usd', unit_amount: 2900, currency_options: { usd: { unit_amount: 2900 }, eur: { unit_amount: 2700 } } };

test('a price event mirrors the price\'s amount in every currency it is sold in, in minor units', async (t) => {
  const stripe = new StripeState();
  const price = uid('price');
  stripe.price(price, 'prod_pro', null, multiCurrency);
  t.teardown(useStripeState(stripe));
  const { api } = await startServices(t);
  await priceEvents(api.context, { id: price, object: 'price' }, 'price.updated');
  t.like(await api.context.db('catalog_prices').where({ id: price }).first(), { currency: 'usd', unit_amount: 2900, currency_options: { eur: 2700, usd: 2900 } });
});

test('an item of a subscription in another currency than its price\'s own is mirrored at the price\'s amount in the subscription\'s currency', async (t) => {
  const stripe = new StripeState();
  const customer = stripe.customer();
  const multi = uid('price');
  const usdOnly = uid('price');
  stripe.price(multi, 'prod_pro', null, multiCurrency);
  const euro = stripe.subscription(customer, { items: [{ price: multi, product: 'prod_pro', lookupKey: 'pro_monthly' }] });
  // Stripe's nested price shows its own currency and amount; the subscription bills in euros.
  const subscription = stripe.subscriptions.get(euro)!;
  subscription.currency = 'eur';
  for (const item of (subscription.items as { data: Json[] }).data) item.price = { ...(item.price as Json), currency: 'usd', unit_amount: 2900 };
  stripe.subscription(customer, { items: [{ price: usdOnly, product: 'prod_basic', lookupKey: 'basic_monthly' }] });
  t.teardown(useStripeState(stripe));
  const { api } = await startServices(t);

  await syncCustomer(api.context, customer, { actor: 'system' });
  const rows = await api.context.db('subscription_items').whereIn('price_id', [multi, usdOnly]).select('price_id', 'unit_amount', 'currency');
  const byPrice = Object.fromEntries(rows.map((row: { price_id: string; unit_amount: string; currency: string }) => [row.price_id, [Number(row.unit_amount), row.currency]]));
  t.deepEqual(byPrice, { [multi]: [2700, 'eur'], [usdOnly]: [1500, 'usd'] });
  t.is(stripe.calls.filter((call) => call.startsWith('GET /v1/prices/')).length, 1, 'only the price billed in another currency is fetched');
});
