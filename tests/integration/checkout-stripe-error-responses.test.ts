import { randomBytes } from 'node:crypto';
import test, { type ExecutionContext } from 'ava';
import nock from 'nock';
import { createKey } from '../../shared/api-keys.js';
import { startServices } from '../support/services.js';

// Serial: ten tests each with a database and an api of their own are too many at once for a shared Postgres.
nock.disableNetConnect();
nock.enableNetConnect('127.0.0.1');
const stripeApi = 'https://api.stripe.com';
type Form = Record<string, string>;

const unique = (prefix: string) => `${prefix}_${randomBytes(6).toString('hex')}`;
const urls = { success_url: 'https://app.example/done', cancel_url: 'https://app.example/cancel' };

async function setup(t: ExecutionContext, env: Record<string, string> = {}) {
  const services = await startServices(t, { env });
  const db = services.api.context.db;
  const { key } = await createKey(db, { name: 'checkout', scope: 'write' });
  const post = (path: string, body: unknown) =>
    fetch(`${services.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { db, post };
}

/** One try and the test configuration's STRIPE_MAX_NETWORK_RETRIES (3) retries. */
const triesOfATransientFailure = 4;

/**
 * A linked user and a price Stripe knows, so the session create is the call that fails, every
 * time it is tried; `calls` says how often the api tried it.
 */
async function failingSessionCreate(t: ExecutionContext, status: number, error: Record<string, unknown>, headers: Record<string, string> = {}) {
  const { db, post } = await setup(t);
  const userId = unique('user');
  const price = unique('price');
  await db('customers').insert({ user_id: userId, stripe_customer_id: unique('cus') });
  nock(stripeApi).get(`/v1/prices/${price}`).reply(200, { id: price, object: 'price', active: true, type: 'recurring', recurring: { interval: 'month' }, product: 'prod_1' });
  let calls = 0;
  nock(stripeApi).post('/v1/checkout/sessions', (body: Form) => body.client_reference_id === userId).times(10).reply(() => {
    calls += 1;
    return [status, { error }, headers];
  });
  const response = await post('/v1/checkout/sessions', { user_id: userId, price, ...urls });
  return { response, body: (await response.json()) as { error: Record<string, unknown> }, calls };
}

test.serial('a card error is a 402 with Stripe\'s message', async (t) => {
  const { response, body } = await failingSessionCreate(t, 402, { type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' });
  t.is(response.status, 402);
  t.deepEqual(body, { error: { type: 'invalid_request', code: 'card_error', message: 'Your card has insufficient funds.', stripe_code: 'card_declined', decline_code: 'insufficient_funds' } });
});

test.serial('an invalid request is a 400 stripe_invalid_request with Stripe\'s message and param', async (t) => {
  const { response, body } = await failingSessionCreate(t, 400, { type: 'invalid_request_error', code: 'parameter_invalid_integer', param: 'subscription_data[trial_period_days]', message: 'Invalid integer: x' });
  t.is(response.status, 400);
  t.deepEqual(body, { error: { type: 'invalid_request', code: 'stripe_invalid_request', message: 'Invalid integer: x', param: 'subscription_data[trial_period_days]', stripe_code: 'parameter_invalid_integer' } });
});

test.serial('a rate limit is a 429 with Retry-After, Stripe\'s when it sends one', async (t) => {
  const plain = await failingSessionCreate(t, 429, { type: 'invalid_request_error', code: 'rate_limit', message: 'Too many requests' });
  t.is(plain.response.status, 429);
  t.is(plain.response.headers.get('retry-after'), '2');
  t.like(plain.body.error, { type: 'rate_limit', code: 'stripe_rate_limited', retry_after: 2 });
  t.is(plain.calls, triesOfATransientFailure, 'a rate limit is retried before it reaches the caller');
  // A wait longer than the api may hold a request is not waited out: the caller hears it at once.
  const told = await failingSessionCreate(t, 429, { type: 'invalid_request_error', code: 'rate_limit', message: 'Too many requests' }, { 'Retry-After': '7' });
  t.is(told.response.headers.get('retry-after'), '7');
  t.is(told.calls, 1);
});

for (const [name, status, error, tries] of [
  ['a Stripe 500 (StripeAPIError)', 500, { type: 'api_error', message: 'Something went wrong on Stripe\'s end.' }, triesOfATransientFailure],
  ['a Stripe 503', 503, { type: 'api_error', message: 'unavailable' }, triesOfATransientFailure],
  ['a rejected API key (StripeAuthenticationError)', 401, { type: 'invalid_request_error', message: 'Invalid API Key provided: sk_test_***' }, 1],
  ['a missing permission (StripePermissionError)', 403, { type: 'invalid_request_error', message: 'The provided key does not have the required permissions' }, 1],
] as const) {
  test.serial(`${name} is a 502 stripe_unavailable without Stripe's detail or a stack, after ${tries} ${tries === 1 ? 'try' : 'tries'}`, async (t) => {
    const { response, body, calls } = await failingSessionCreate(t, status, error);
    t.is(response.status, 502);
    t.deepEqual(body, { error: { type: 'upstream', code: 'stripe_unavailable', message: 'the payment provider is unavailable; retry shortly' } });
    t.is(calls, tries);
  });
}

test.serial('a Stripe 500 that clears on a retry is never seen by the caller, and the retry reuses the idempotency key', async (t) => {
  const { db, post } = await setup(t);
  const userId = unique('user');
  const price = unique('price');
  await db('customers').insert({ user_id: userId, stripe_customer_id: unique('cus') });
  nock(stripeApi).get(`/v1/prices/${price}`).reply(200, { id: price, object: 'price', active: true, type: 'recurring', recurring: { interval: 'month' }, product: 'prod_1' });
  const keys: string[] = [];
  const matches = (body: Form) => body.client_reference_id === userId;
  nock(stripeApi).post('/v1/checkout/sessions', matches).times(2).reply((req: Request) => {
    keys.push(String(req.headers.get('idempotency-key')));
    return [keys.length === 1 ? 500 : 200, keys.length === 1 ? { error: { type: 'api_error', message: 'blip' } } : { id: 'cs_test_retried', object: 'checkout.session', url: 'https://checkout.stripe.com/c/pay/cs_test_retried' }];
  });
  const response = await post('/v1/checkout/sessions', { user_id: userId, price, ...urls });
  t.is(response.status, 201, await response.clone().text());
  t.is(keys.length, 2);
  t.is(keys[0], keys[1]);
  t.not(keys[0], 'null');
});

test.serial('a connection failure (StripeConnectionError) is a 502 stripe_unavailable', async (t) => {
  // A real refused connection: Stripe's base URL points at a closed local port.
  const { post } = await setup(t, { STRIPE_API_BASE: 'http://127.0.0.1:1' });
  const response = await post('/v1/checkout/sessions', { user_id: unique('user'), price: 'price_1', ...urls });
  t.is(response.status, 502);
  t.deepEqual(await response.json(), { error: { type: 'upstream', code: 'stripe_unavailable', message: 'the payment provider is unavailable; retry shortly' } });
});

test.serial('an idempotency key reused with other parameters is a 409', async (t) => {
  const { response, body } = await failingSessionCreate(t, 400, { type: 'idempotency_error', message: 'Keys for idempotent requests can only be used with the same parameters they were first used with.' });
  t.is(response.status, 409);
  t.like(body.error, { type: 'conflict', code: 'idempotency_conflict' });
});

test.serial('Stripe errors on the way (price lookup, customer creation) map the same way', async (t) => {
  const { post } = await setup(t);
  const userId = unique('user');
  nock(stripeApi).get('/v1/prices/price_down').times(triesOfATransientFailure).reply(500, { error: { type: 'api_error', message: 'boom' } });
  const lookup = await post('/v1/checkout/sessions', { user_id: userId, price: 'price_down', ...urls });
  t.is(lookup.status, 502);

  nock(stripeApi).get('/v1/prices/price_ok').reply(200, { id: 'price_ok', object: 'price', active: true, type: 'recurring', recurring: { interval: 'month' }, product: 'prod_1' });
  nock(stripeApi).post('/v1/customers', (body: Form) => body['metadata[user_id]'] === userId).times(triesOfATransientFailure).reply(429, { error: { type: 'invalid_request_error', code: 'rate_limit', message: 'slow down' } });
  const create = await post('/v1/checkout/sessions', { user_id: userId, price: 'price_ok', ...urls });
  t.is(create.status, 429);
  t.is(create.headers.get('retry-after'), '2');
});
