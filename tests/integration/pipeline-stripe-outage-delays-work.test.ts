import test from 'ava';
import { featureLines, mirrorOf, settled, startPipeline } from '../support/pipeline.js';
import { eventually } from '../support/processes.js';
import { uid, useStripeState, type Json } from '../support/stripe-state.js';
import { WeatheredStripeState } from '../support/stripe-weather.js';
import { deliver, makeEvent } from '../support/webhooks.js';

// Serial: account-wide lists (events) name no customer, so only one fake Stripe may be registered at a time.

/**
 * Stripe is down for longer than every job's attempts last (3 attempts from 50 ms under the test
 * configuration): events wait, retrying at the capped backoff, and none is dead-lettered; when
 * Stripe is back, every customer converges.
 */
test.serial('a Stripe outage outlasting the job attempts delays events and dead-letters none', async (t) => {
  const stripe = new WeatheredStripeState({ rateLimited: 0, serverErrors: 0 });
  t.teardown(useStripeState(stripe));
  const customers = Array.from({ length: 5 }, () => {
    const id = stripe.customer(uid('cus'), { metadata: { user_id: uid('user') } });
    stripe.subscription(id, { items: [{ price: uid('price'), product: 'prod_pro', lookupKey: 'pro_monthly' }] });
    return id;
  });
  stripe.down = true;
  const services = await startPipeline(t, { JOB_BACKOFF_MAX_MS: '300' });
  const { db } = services.api.context;
  const worker = services.worker!.context;
  for (const customer of customers) {
    const subscription = [...stripe.subscriptions.values()].find((sub) => sub.customer === customer) as Json;
    t.is((await deliver(services.url, makeEvent('customer.subscription.created', subscription))).status, 200);
  }

  const beyond = async () => (await worker.metrics.jobRetriesBeyondAttempts.get()).values.reduce((sum, { value }) => sum + value, 0);
  // Every customer's work has used all its attempts and goes on retrying.
  await eventually(async () => (await beyond()) >= customers.length * 2, 30_000);
  t.is((await db('stripe_events').where({ status: 'dead' })).length, 0);
  t.is(await worker.queues.deadLetter.count(), 0);

  stripe.down = false;
  await settled(services, 30_000);
  t.true(stripe.faults.outage > 0);
  t.deepEqual((await db('stripe_events').select('status')).map((row: { status: string }) => row.status), customers.map(() => 'processed'));
  t.is(await worker.queues.deadLetter.count(), 0);
  for (const customer of customers) t.deepEqual(featureLines(await mirrorOf(services, customer)), ['api_calls=10000', 'basic=true', 'pro=true']);
});

test.serial('a job added with fewer attempts than the default also waits out an outage instead of dying', async (t) => {
  const stripe = new WeatheredStripeState({ rateLimited: 0, serverErrors: 0 });
  t.teardown(useStripeState(stripe));
  stripe.down = true;
  const services = await startPipeline(t, { JOB_BACKOFF_MAX_MS: '300' });
  const worker = services.worker!.context;
  const job = await worker.queues.reconcile.add('catch-up', {}, { attempts: 1 });
  const beyond = async () => (await worker.metrics.jobRetriesBeyondAttempts.get()).values.find(({ labels }) => labels.queue === 'reconcile')?.value ?? 0;
  await eventually(async () => (await beyond()) >= 2, 30_000);
  // Still on its way (waiting out its backoff, or trying again right now), never failed.
  t.true(['delayed', 'active', 'waiting'].includes(String(await (await worker.queues.reconcile.getJob(job.id!))?.getState())));
  t.is(await worker.queues.deadLetter.count(), 0);

  stripe.down = false;
  await eventually(async () => (await worker.queues.reconcile.getJob(job.id!)) === undefined || (await (await worker.queues.reconcile.getJob(job.id!))!.getState()) === 'completed', 30_000);
  t.is(await worker.queues.deadLetter.count(), 0);
});
