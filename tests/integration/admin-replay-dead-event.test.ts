import test from 'ava';
import { UnrecoverableError, Worker } from 'bullmq';
import type { StoredEntitlement } from '../../shared/entitlements/stored-entitlement.js';
import { enqueueEvent } from '../../shared/events/enqueue.js';
import { closeRedis, createRedis } from '../../shared/infra/redis.js';
import { eventually } from '../support/processes.js';
import { mirrorOf, settled, startPipeline } from '../support/pipeline.js';
import { StripeState, uid, useStripeState, type Json, type StripeAnswer } from '../support/stripe-state.js';
import { startServices } from '../support/services.js';
import { deliver, makeEvent } from '../support/webhooks.js';
import { adminKey, call, seedEvent } from './admin-fixtures.js';

/** A Stripe that answers 500 for one customer's objects while `down` is set. */
class FlakyStripe extends StripeState {
  down = true;
  constructor(private readonly flakyCustomer: string) {
    super();
  }

  override answer(method: string, url: string): StripeAnswer {
    if (this.down && url.includes(this.flakyCustomer)) {
      this.calls.push(`${method} ${url} (500)`);
      return [500, { error: { type: 'api_error', message: 'Stripe is having a bad day' } }];
    }
    return super.answer(method, url);
  }
}

test('a dead event replayed from the admin API ends processed, with the customer synced and the replay audited', async (t) => {
  const customer = uid('cus');
  const stripe = new FlakyStripe(customer);
  stripe.customer(customer, { metadata: { user_id: uid('user') } });
  stripe.subscription(customer, { items: [{ price: uid('price'), product: 'prod_pro', lookupKey: 'pro_monthly' }] });
  t.teardown(useStripeState(stripe));
  // No retry horizon: a transient failure is dead after its attempts, as one outlasting the horizon would be.
  const services = await startPipeline(t, { JOB_RETRY_HORIZON_HOURS: '0' });
  const { url, api } = services;
  const { db } = api.context;
  const admin = await adminKey(db);

  const event = makeEvent('customer.updated', stripe.customers.get(customer) as Json);
  t.is((await deliver(url, event)).status, 200);
  await settled(services);
  const dead = await db('stripe_events').where({ id: event.id }).first();
  t.like(dead, { status: 'dead' });
  t.regex(dead.last_error, /bad day/);
  t.is(await mirrorOf(services, customer), undefined, 'nothing synced while Stripe failed');
  const listed = await call<{ data: { id: string }[] }>(url, '/admin/events?status=dead', { key: admin.key });
  t.deepEqual(listed.body.data.map((row) => row.id), [event.id]);

  stripe.down = false;
  const replay = await call(url, `/admin/events/${String(event.id)}/replay`, { method: 'POST', key: admin.key, headers: { 'x-request-id': 'req-replay-1' } });
  t.is(replay.status, 202);
  t.like(replay.body, { id: event.id, type: 'customer.updated', status: 'received', previous_status: 'dead', attempts: dead.attempts });

  await eventually(async () => (await db('stripe_events').where({ id: event.id }).first()).status === 'processed', 20_000);
  const processed = await db('stripe_events').where({ id: event.id }).first();
  t.is(processed.last_error, null);
  t.true(processed.attempts >= dead.attempts, 'attempts are kept across a replay');
  const mirror = await mirrorOf(services, customer);
  t.deepEqual((mirror?.features as StoredEntitlement[] | undefined)?.map(({ feature, value }) => ({ feature, value })), [{ feature: 'api_calls', value: 10000 }, { feature: 'basic', value: true }, { feature: 'pro', value: true }]);
  const audit = await db('audit_log').where({ action: 'event.replayed', subject_id: event.id }).first();
  t.like(audit, { actor: `key:${admin.id}`, request_id: 'req-replay-1', event_id: event.id, before: { status: 'dead' }, after: { status: 'received' } });
});

test('a replay removes a failed job left under the event id, so the event is queued again', async (t) => {
  const { url, api, config } = await startServices(t);
  const { db, queues } = api.context;
  const admin = await adminKey(db);
  const eventId = await seedEvent(db, { type: 'invoice.paid', status: 'dead' });
  const connection = createRedis(config, 'worker', 'test-failing-worker');
  const worker = new Worker('events', () => Promise.reject(new UnrecoverableError('permanently broken')), { connection, prefix: config.REDIS_PREFIX });
  t.teardown(async () => { await worker.close(); await closeRedis(connection); });
  const failed = new Promise((resolve) => worker.once('failed', resolve));
  await enqueueEvent(queues, { id: eventId, type: 'invoice.paid' });
  await failed;
  await worker.close();
  t.is(await (await queues.events.getJob(eventId))!.getState(), 'failed');

  t.is((await call(url, `/admin/events/${eventId}/replay`, { method: 'POST', key: admin.key })).status, 202);
  const job = await queues.events.getJob(eventId);
  t.is(await job!.getState(), 'waiting', 'a fresh job replaced the failed one');
  t.is(job!.attemptsMade, 0);
  t.like(await db('stripe_events').where({ id: eventId }).first(), { status: 'received', attempts: 3 });
});
