import test from 'ava';
import { reconcileKeys } from '../../workers/reconcile/keys.js';
import { findOnlyLocally } from '../../workers/reconcile/only-locally.js';
import { startServices } from '../support/services.js';
import { uid } from '../support/stripe-state.js';

test('subscriptions only the mirror holds are found in batches of whole customers, each once, although repairs finish them between batches', async (t) => {
  const { api } = await startServices(t);
  const { db, redis, config } = api.context;
  const runId = 'a1b2c3d4-0000-4000-8000-000000000001';
  const startedAt = new Date();
  const earlier = new Date(startedAt.getTime() - 3_600_000);
  // Subscriptions per customer; batches of 4 split the 3s and hold the 5 alone (more than a batch).
  const sizes = [2, 3, 1, 5, 3, 2];
  const expected: string[] = [];
  for (const size of sizes) {
    const stripeCustomerId = uid('cus');
    const [{ id: customerId }] = await db('customers').insert({ stripe_customer_id: stripeCustomerId }).returning<{ id: string }[]>('id');
    const subscriptions = Array.from({ length: size }, () => ({ id: uid('sub'), customer_id: customerId, stripe_customer_id: stripeCustomerId, status: 'active', synced_at: earlier }));
    await db('subscriptions').insert(subscriptions);
    expected.push(...subscriptions.map((sub) => sub.id));
  }
  // Not only local: listed by Stripe in this run, already finished, or rewritten since the run started.
  const [{ id: other }] = await db('customers').insert({ stripe_customer_id: uid('cus') }).returning<{ id: string }[]>('id');
  const excluded = [
    { id: uid('sub'), status: 'active', synced_at: earlier },
    { id: uid('sub'), status: 'canceled', synced_at: earlier },
    { id: uid('sub'), status: 'active', synced_at: new Date(startedAt.getTime() + 1000) },
  ];
  await db('subscriptions').insert(excluded.map((sub) => ({ ...sub, customer_id: other, stripe_customer_id: 'cus_other' })));
  await redis.sadd(reconcileKeys.seen(config.REDIS_PREFIX, runId), excluded[0].id);
  t.teardown(() => redis.del(reconcileKeys.seen(config.REDIS_PREFIX, runId)).then(() => undefined));

  const found: string[] = [];
  const batches: string[][] = [];
  for await (const drifts of findOnlyLocally(api.context, runId, {}, startedAt, 4)) {
    t.true(drifts.every((drift) => drift.kind === 'only_locally'));
    const customers = [...new Set(drifts.map((drift) => drift.stripeCustomerId))];
    batches.push(customers);
    found.push(...drifts.map((drift) => drift.subscriptionId));
    // What the repair does: the customer's sync marks all of its subscriptions (Stripe lists none) canceled.
    await db('subscriptions').whereIn('stripe_customer_id', customers).update({ status: 'canceled', synced_at: new Date() });
  }

  t.deepEqual([...found].sort(), [...expected].sort(), 'every subscription once, none of the excluded');
  t.is(found.length, new Set(found).size);
  const whole = await Promise.all(batches.flat().map(async (customer) => (await db('subscriptions').where({ stripe_customer_id: customer }).count<{ n: number }[]>({ n: '*' }))[0].n));
  t.is(whole.reduce((sum, n) => sum + Number(n), 0), expected.length, 'no customer appears in two batches');
  t.true(batches.length >= 4, `several batches (${batches.length})`);
});
