import test from 'ava';
import Stripe from 'stripe';
import { createSimulator } from '../../tools/stripe-sim/server.js';

test('lists page with limit, starting_after and ending_before, and auto-pagination sees every object once', async (t) => {
  const sim = await createSimulator({ clockStart: 1_800_000_000 });
  t.teardown(() => sim.close());
  const stripe = new Stripe('sk_test_pages', sim.stripeConfig);
  const ids: string[] = [];
  for (let i = 0; i < 25; i++) ids.push((await stripe.customers.create({ email: `p${i}@example.test` })).id);
  const newestFirst = [...ids].reverse();

  const page1 = await stripe.customers.list({ limit: 10 });
  t.deepEqual(page1.data.map((c) => c.id), newestFirst.slice(0, 10));
  t.true(page1.has_more);
  t.is(page1.object, 'list');
  t.is(page1.url, '/v1/customers');
  const page3 = await stripe.customers.list({ limit: 10, starting_after: newestFirst[19] });
  t.deepEqual(page3.data.map((c) => c.id), newestFirst.slice(20));
  t.false(page3.has_more);
  const before = await stripe.customers.list({ limit: 5, ending_before: newestFirst[12] });
  t.deepEqual(before.data.map((c) => c.id), newestFirst.slice(7, 12));
  t.true(before.has_more);

  const all = await stripe.customers.list({ limit: 7 }).autoPagingToArray({ limit: 1000 });
  t.deepEqual(all.map((c) => c.id), newestFirst);
  const events = await stripe.events.list({ limit: 4, created: { gte: 1_800_000_000 } }).autoPagingToArray({ limit: 1000 });
  t.is(events.length, 25);
  t.is(new Set(events.map((e) => e.id)).size, 25);
});

test('a cursor naming no listed object and an out-of-range limit are rejected', async (t) => {
  const sim = await createSimulator();
  t.teardown(() => sim.close());
  const stripe = new Stripe('sk_test_pages', sim.stripeConfig);
  const missing = await t.throwsAsync(stripe.customers.list({ starting_after: 'cus_missing' }), { instanceOf: Stripe.errors.StripeInvalidRequestError });
  t.is(missing.statusCode, 404);
  t.is(missing.param, 'starting_after');
  const limit = await t.throwsAsync(stripe.customers.list({ limit: 101 }), { instanceOf: Stripe.errors.StripeInvalidRequestError });
  t.is(limit.param, 'limit');
});
