import test from 'ava';
import { createKey } from '../../shared/api-keys.js';
import { catalogFile } from '../support/catalog.js';
import { eventually } from '../support/processes.js';
import { startServices } from '../support/services.js';
import { serveStripeState } from '../support/stripe-server.js';
import { StripeState, uid } from '../support/stripe-state.js';

test('concurrent syncs of one customer share one Stripe round and all answer its result', async (t) => {
  const stripe = new StripeState();
  const served = await serveStripeState(stripe);
  t.teardown(served.close);
  const userId = uid('user');
  const customer = stripe.customer(uid('cus'), { metadata: { user_id: userId } });
  stripe.subscription(customer, { items: [{ price: uid('price'), product: 'prod_pro', lookupKey: 'pro_monthly' }] });
  const services = await startServices(t, { env: { CATALOG_FILE: catalogFile(), STRIPE_API_BASE: served.url } });
  const { db } = services.api.context;
  await db('customers').insert({ user_id: userId, stripe_customer_id: customer });
  const { key } = await createKey(db, { name: 'sync', scope: 'write' });
  let lookups = 0;
  db.on('query', (query: { sql: string }) => { if (/from "customers"/.test(query.sql) && /stripe_customer_id/.test(query.sql)) lookups += 1; });

  // Stripe holds the first sync's answer until every request has found its customer.
  const held = served.hold(new RegExp(`/v1/subscriptions\\?.*customer=${customer}`));
  const answers = Array.from({ length: 10 }, () => fetch(`${services.url}/v1/customers/${userId}/sync`, { method: 'POST', headers: { authorization: `Bearer ${key}` } }));
  await eventually(() => Promise.resolve(lookups >= 10 && held.waiting() === 1), 20_000);
  held.release();

  const bodies = await Promise.all((await Promise.all(answers)).map(async (response) => ({ status: response.status, body: (await response.json()) as { entitlements: { feature: string }[] } })));
  t.deepEqual(bodies.map(({ status }) => status), Array.from({ length: 10 }, () => 200));
  for (const { body } of bodies) t.deepEqual(body.entitlements.map(({ feature }) => feature), ['api_calls', 'basic', 'pro']);
  t.is(stripe.syncs(customer), 1, 'one subscription list for ten requests');
});
