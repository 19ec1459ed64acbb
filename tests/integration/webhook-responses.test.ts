import test from 'ava';
import { start as startApi } from '../../api/main.js';
import { createDb } from '../../shared/infra/db.js';
import { testConfig } from '../support/config.js';
import { createTestDatabase } from '../support/database.js';
import { startServices } from '../support/services.js';
import { uid } from '../support/stripe-state.js';
import { deliver, makeEvent } from '../support/webhooks.js';

const subscriptionEvent = () => makeEvent('customer.subscription.updated', { id: uid('sub'), object: 'subscription', customer: uid('cus') });

test('a signed event is recorded once, enqueued with its id as job id and only the id as data, and answered 200', async (t) => {
  const { url, api } = await startServices(t);
  const event = subscriptionEvent();
  const response = await deliver(url, event);
  t.is(response.status, 200);
  t.deepEqual(await response.json(), { received: true });
  const row = await api.context.db('stripe_events').where({ id: event.id }).first();
  t.is(row.status, 'received');
  t.is(row.type, 'customer.subscription.updated');
  t.deepEqual(row.payload, event);
  const job = await api.context.queues.events.getJob(event.id as string);
  t.truthy(job);
  t.is(job!.data.eventId, event.id);
  t.deepEqual(Object.keys(job!.data as object).sort(), ['correlationId', 'eventId']);
});

test('a duplicate delivery is a 200 and creates nothing', async (t) => {
  const { url, api } = await startServices(t);
  const event = subscriptionEvent();
  t.is((await deliver(url, event)).status, 200);
  await api.context.db('stripe_events').where({ id: event.id }).update({ status: 'processed' });
  t.is((await deliver(url, event)).status, 200);
  const rows = await api.context.db('stripe_events').where({ id: event.id });
  t.is(rows.length, 1);
  t.is(rows[0].status, 'processed', 'the duplicate did not reset the row');
  const jobs = await api.context.queues.events.getJobCounts();
  t.is(Object.values(jobs).reduce((sum, count) => sum + count, 0), 1, 'exactly one job, in any state');
  const outcomes = (await api.context.metrics.webhookEvents.get()).values.map(({ labels, value }) => ({ type: labels.type, outcome: labels.outcome, value }));
  t.deepEqual(outcomes.filter(({ value }) => value > 0), [
    { type: 'customer.subscription.updated', outcome: 'accepted', value: 1 },
    { type: 'customer.subscription.updated', outcome: 'duplicate', value: 1 },
  ]);
});

test('bad signature, missing header, wrong secret and expired timestamp are 400 and write nothing', async (t) => {
  const { url, api } = await startServices(t);
  const event = subscriptionEvent();
  const cases = [
    await deliver(url, event, { header: 't=1,v1=deadbeef' }),
    await deliver(url, event, { header: null }),
    await deliver(url, event, { secret: 'whsec_someone_else' }),
    await deliver(url, event, { timestamp: Math.floor(Date.now() / 1000) - 3600 }),
  ];
  for (const response of cases) {
    t.is(response.status, 400);
    const body = (await response.json()) as { error: { type: string; code: string } };
    t.is(body.error.type, 'invalid_request');
    t.true(['invalid_signature', 'missing_signature'].includes(body.error.code));
  }
  t.is((await api.context.db('stripe_events').count({ n: '*' }))[0].n, 0);
});

test('a signed body that is not JSON, or not an event, is 400', async (t) => {
  const { url } = await startServices(t);
  const notJson = await deliver(url, 'this is not json');
  t.is(notJson.status, 400);
  t.is(((await notJson.json()) as { error: { code: string } }).error.code, 'invalid_json');
  const notEvent = await deliver(url, JSON.stringify({ hello: 'world' }));
  t.is(notEvent.status, 400);
  t.is(((await notEvent.json()) as { error: { code: string } }).error.code, 'invalid_event');
});

test('a body over the limit is 413', async (t) => {
  const { url } = await startServices(t, { env: { WEBHOOK_MAX_BYTES: '4096' } });
  const event = makeEvent('customer.updated', { id: uid('cus'), object: 'customer', padding: 'x'.repeat(8192) });
  const response = await deliver(url, event);
  t.is(response.status, 413);
  t.is(((await response.json()) as { error: { code: string } }).error.code, 'payload_too_large');
});

test('a valid event of a type the service does not handle is 200 and recorded as ignored, with no job', async (t) => {
  const { url, api } = await startServices(t);
  const event = makeEvent('payout.paid', { id: uid('po'), object: 'payout' });
  t.is((await deliver(url, event)).status, 200);
  const row = await api.context.db('stripe_events').where({ id: event.id }).first();
  t.is(row.status, 'ignored');
  t.truthy(row.processed_at);
  t.is(await api.context.queues.events.getJob(event.id as string), undefined);
});

test('secret rotation: an event signed with any configured secret is accepted', async (t) => {
  const { url } = await startServices(t, { env: { STRIPE_WEBHOOK_SECRET: 'whsec_new_one,whsec_test_secret_for_signatures' } });
  t.is((await deliver(url, subscriptionEvent(), { secret: 'whsec_new_one' })).status, 200);
  t.is((await deliver(url, subscriptionEvent())).status, 200);
});

test('a thin event (event destination) is accepted', async (t) => {
  const { url, api } = await startServices(t);
  const id = uid('evt');
  const thin = { id, object: 'v2.core.event', type: 'v1.customer.subscription.updated', created: new Date().toISOString(), livemode: false, related_object: { id: uid('sub'), type: 'subscription', url: '/v1/subscriptions/x' } };
  t.is((await deliver(url, thin)).status, 200);
  t.is((await api.context.db('stripe_events').where({ id }).first()).status, 'received');
});

test('Postgres unavailable: 503 so Stripe retries', async (t) => {
  const api = await startApi(testConfig('postgres://postgres@127.0.0.1:1/none'), { silentLogs: true });
  t.teardown(api.stop);
  const response = await deliver(`http://127.0.0.1:${api.port}`, subscriptionEvent());
  t.is(response.status, 503);
  t.is(((await response.json()) as { error: { code: string } }).error.code, 'inbox_unavailable');
});

test('Redis unavailable but the insert committed: 200, and the row waits for the relay', async (t) => {
  const database = await createTestDatabase();
  t.teardown(database.drop);
  const api = await startApi({ ...testConfig(database.url), REDIS_URL: 'redis://127.0.0.1:1' }, { silentLogs: true });
  t.teardown(api.stop);
  const event = subscriptionEvent();
  const response = await deliver(`http://127.0.0.1:${api.port}`, event);
  t.is(response.status, 200);
  const db = createDb({ url: database.url, poolMax: 1 });
  t.teardown(() => db.destroy());
  t.is((await db('stripe_events').where({ id: event.id }).first()).status, 'received');
});
