import test from 'ava';
import { createKey } from '../../shared/api-keys.js';
import { catalogFile } from '../support/catalog.js';
import { startServices } from '../support/services.js';
import { StripeState, uid, useStripeState } from '../support/stripe-state.js';

test('sync is limited per key: past the burst a 429 rate_limited with Retry-After, other keys unaffected, no Stripe call', async (t) => {
  const stripe = new StripeState();
  t.teardown(useStripeState(stripe));
  // One a minute sustained, bursts of 3: the fourth call within the minute is refused whatever the timing.
  const services = await startServices(t, { env: { CATALOG_FILE: catalogFile(), SYNC_RATE_LIMIT_PER_MINUTE: '1', SYNC_RATE_LIMIT_BURST: '3' } });
  const { db } = services.api.context;
  const [first, second] = await Promise.all([createKey(db, { name: 'app-1', scope: 'write' }), createKey(db, { name: 'app-2', scope: 'write' })]);
  const customer = stripe.customer(uid('cus'));
  await db('customers').insert({ stripe_customer_id: customer });
  stripe.subscription(customer, { items: [{ price: uid('price'), product: 'prod_pro', lookupKey: 'pro_monthly' }] });
  const sync = (key: string) => fetch(`${services.url}/v1/customers/${customer}/sync`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });

  const allowed = await Promise.all([sync(first.key), sync(first.key), sync(first.key)]);
  t.deepEqual(allowed.map((response) => response.status), [200, 200, 200]);
  const callsBefore = stripe.calls.length;
  const refused = await sync(first.key);
  t.is(refused.status, 429);
  t.like(await refused.json(), { error: { type: 'rate_limit', code: 'rate_limited' } });
  const retryAfter = Number(refused.headers.get('retry-after'));
  t.true(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
  t.is(stripe.calls.length, callsBefore, 'a refused sync makes no Stripe call');
  t.is((await sync(second.key)).status, 200, 'another key has a budget of its own');
});
