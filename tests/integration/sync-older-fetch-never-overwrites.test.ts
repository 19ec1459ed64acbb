import test from 'ava';
import type { StoredEntitlement } from '../../shared/entitlements/stored-entitlement.js';
import { syncCustomer } from '../../shared/sync/sync-customer.js';
import { catalogFile } from '../support/catalog.js';
import { eventually } from '../support/processes.js';
import { startServices } from '../support/services.js';
import { serveStripeState } from '../support/stripe-server.js';
import { StripeState, uid, type Json } from '../support/stripe-state.js';

/**
 * Two syncs of one customer overlap: A asks Stripe first but its answer arrives last (a slow
 * network), B starts after Stripe changed and finishes first. A's older snapshot must not undo B's.
 */
test('a slower sync that fetched before a change never overwrites the newer sync of the customer and its subscriptions', async (t) => {
  const stripe = new StripeState();
  const customer = stripe.customer(uid('cus'), { email: 'before@example.com' });
  const subscription = stripe.subscription(customer, { items: [{ price: uid('price'), product: 'prod_team', quantity: 2 }] });
  const server = await serveStripeState(stripe);
  t.teardown(server.close);
  const { api } = await startServices(t, { env: { STRIPE_API_BASE: server.url, CATALOG_FILE: catalogFile() } });
  const { db } = api.context;
  await syncCustomer(api.context, customer, { actor: 'system' });

  // Sync A's list of subscriptions (which carries the customer) is answered from today's state, but late.
  const slow = server.hold(new RegExp(`^/v1/subscriptions\\?.*customer=${customer}`), { answerAtArrival: true, times: 1 });
  const syncA = syncCustomer(api.context, customer, { actor: 'system' });
  await eventually(() => Promise.resolve(slow.waiting() === 1));

  const sub = stripe.subscriptions.get(subscription) as Json & { items: { data: Json[] } };
  stripe.update(subscription, { status: 'past_due', cancel_at_period_end: true });
  sub.items.data[0].quantity = 5;
  Object.assign(stripe.customers.get(customer)!, { email: 'after@example.com', name: 'Renamed' });
  await syncCustomer(api.context, customer, { actor: 'system' });
  slow.release();
  await syncA;

  const stored = await db('customers').where({ stripe_customer_id: customer }).first();
  t.like(stored, { email: 'after@example.com', name: 'Renamed' });
  t.deepEqual(await db('subscriptions').where({ customer_id: stored.id }).select('id', 'status', 'cancel_at_period_end'), [
    { id: subscription, status: 'past_due', cancel_at_period_end: true },
  ]);
  t.deepEqual(await db('subscription_items').where({ subscription_id: subscription }).select('id', 'quantity'), [{ id: sub.items.data[0].id, quantity: 5 }]);
  const entitlements = await db('entitlements').where({ customer_id: stored.id }).first<{ features: StoredEntitlement[] }>('features');
  t.deepEqual(entitlements?.features.map(({ feature, value }) => ({ feature, value })), [
    { feature: 'seats', value: 5 }, { feature: 'team', value: true },
  ]);
});
