import { randomBytes } from 'node:crypto';
import test, { type ExecutionContext } from 'ava';
import nock from 'nock';
import { createKey } from '../../shared/api-keys.js';
import { eventually } from '../support/processes.js';
import { startServices } from '../support/services.js';

nock.disableNetConnect();
nock.enableNetConnect('127.0.0.1');
const stripeApi = 'https://api.stripe.com';

async function setup(t: ExecutionContext, env: Record<string, string> = {}) {
  const services = await startServices(t, { env });
  const { db } = services.api.context;
  const { key } = await createKey(db, { name: 'sync', scope: 'write' });
  const customer = `cus_${randomBytes(6).toString('hex')}`;
  await db('customers').insert({ user_id: `user_${randomBytes(6).toString('hex')}`, stripe_customer_id: customer });
  const sync = () => fetch(`${services.url}/v1/customers/${customer}/sync`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
  return { customer, sync, db };
}

test('Stripe down is a 502 stripe_unavailable without Stripe\'s detail; a rate limit a 429 with Retry-After', async (t) => {
  const down = await setup(t);
  nock(stripeApi).get('/v1/subscriptions').query((query) => query.customer === down.customer).times(10).reply(500, { error: { type: 'api_error', message: 'internal detail' } });
  const answer = await down.sync();
  t.is(answer.status, 502);
  const body = (await answer.json()) as { error: { code: string; message: string } };
  t.is(body.error.code, 'stripe_unavailable');
  t.notRegex(body.error.message, /internal detail/);

  const limited = await setup(t);
  nock(stripeApi).get('/v1/subscriptions').query((query) => query.customer === limited.customer).times(10).reply(429, { error: { type: 'rate_limit_error', message: 'slow down' } }, { 'Retry-After': '7' });
  const throttled = await limited.sync();
  t.is(throttled.status, 429);
  t.is(throttled.headers.get('retry-after'), '7');
  t.like(await throttled.json(), { error: { code: 'stripe_rate_limited' } });
});

test('Stripe slower than SYNC_TIMEOUT_MS is a 504 sync_timeout while Stripe has not answered, and the sync still lands afterwards', async (t) => {
  const { customer, sync, db } = await setup(t, { SYNC_TIMEOUT_MS: '300' });
  // Stripe answers the customer call only when the test says so: the 504 must come before that.
  let answerStripe!: () => void;
  const stripeAnswers = new Promise<void>((resolve) => { answerStripe = resolve; });
  let stripeAnswered = false;
  nock(stripeApi).get(`/v1/customers/${customer}`).reply(async () => {
    await stripeAnswers;
    stripeAnswered = true;
    return [200, { id: customer, object: 'customer', email: 'late@example.com', name: null, metadata: {}, livemode: false, created: 1 }];
  });
  nock(stripeApi).get('/v1/subscriptions').query((query) => query.customer === customer).reply(200, { object: 'list', data: [], has_more: false, url: '/v1/subscriptions' });
  // Should the route wait for Stripe after all, Stripe answers eventually and the check below says so.
  const fallback = setTimeout(answerStripe, 20_000);
  t.teardown(() => clearTimeout(fallback));
  const started = Date.now();
  const answer = await sync();
  const waited = Date.now() - started;
  t.is(answer.status, 504);
  t.like(await answer.json(), { error: { type: 'unavailable', code: 'sync_timeout' } });
  t.false(stripeAnswered, 'answered at the deadline, before Stripe answered');
  t.true(waited >= 250, `answered after ${waited} ms: not before the deadline`);
  const email = async () => (await db('customers').where({ stripe_customer_id: customer }).first<{ email: string | null }>('email'))?.email;
  t.is(await email(), null, 'not written yet');
  answerStripe();
  await eventually(async () => (await email()) === 'late@example.com');
  t.is(await email(), 'late@example.com', 'the sync finished and was written');
});

test('Stripe refusing to list a deleted customer\'s subscriptions (404) still syncs it as deleted; for a customer Stripe still has, the refusal is answered as Stripe\'s', async (t) => {
  const refused = { error: { type: 'invalid_request_error', code: 'resource_missing', message: 'No such customer' } };
  const gone = await setup(t);
  nock(stripeApi).get('/v1/subscriptions').query((query) => query.customer === gone.customer).reply(404, refused);
  nock(stripeApi).get(`/v1/customers/${gone.customer}`).reply(200, { id: gone.customer, object: 'customer', deleted: true });
  const answer = await gone.sync();
  t.is(answer.status, 200);
  t.like(await answer.json(), { entitlements: [] });
  t.like(await gone.db('customers').where({ stripe_customer_id: gone.customer }).first(), { deleted: true });

  const live = await setup(t);
  nock(stripeApi).get('/v1/subscriptions').query((query) => query.customer === live.customer).reply(404, refused);
  nock(stripeApi).get(`/v1/customers/${live.customer}`).reply(200, { id: live.customer, object: 'customer', email: null, name: null, metadata: {}, livemode: false, created: 1 });
  const failed = await live.sync();
  t.is(failed.status, 400);
  t.like(await failed.json(), { error: { code: 'stripe_invalid_request', message: 'No such customer' } });
  t.like(await live.db('customers').where({ stripe_customer_id: live.customer }).first(), { deleted: false });
});
