import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import nock from 'nock';
import { createMetrics } from '../../shared/infra/metrics.js';
import { createStripe } from '../../shared/infra/stripe.js';

nock.disableNetConnect();
const stripeApi = 'https://api.stripe.com';
const fast = { baseMs: 10, maxMs: 2000 };

/** A client as the service builds it, with a counting stand-in for the shared rate limit. */
function client(retries = 3, base?: string) {
  const metrics = createMetrics({ role: 'test', instance: randomBytes(4).toString('hex') });
  let acquired = 0;
  const stripe = createStripe({ STRIPE_SECRET_KEY: 'sk_test_retries', STRIPE_API_BASE: base }, {
    acquire: () => { acquired += 1; return Promise.resolve(0); },
    retries, backoff: fast, metrics,
  });
  const retried = async () => Object.fromEntries((await metrics.stripeCallRetries.get()).values.map(({ labels, value }) => [String(labels.reason), value]));
  return { stripe, acquired: () => acquired, retried };
}

const customer = () => `cus_${randomBytes(6).toString('hex')}`;
const body = (id: string) => ({ id, object: 'customer', metadata: {} });

test('a 429 is retried after the Retry-After Stripe gives, and every attempt passes the rate limit', async (t) => {
  const id = customer();
  const { stripe, acquired, retried } = client();
  const seen: number[] = [];
  nock(stripeApi).get(`/v1/customers/${id}`).times(2).reply(() => {
    seen.push(Date.now());
    return seen.length === 1 ? [429, { error: { type: 'invalid_request_error', code: 'rate_limit', message: 'slow down' } }, { 'Retry-After': '1' }] : [200, body(id)];
  });
  t.like(await stripe.customers.retrieve(id), { id });
  t.is(seen.length, 2);
  t.true(seen[1] - seen[0] >= 950, `waited ${seen[1] - seen[0]} ms of the 1 s asked`);
  t.is(acquired(), 2);
  t.deepEqual(await retried(), { 429: 1 });
});

test('409s, 5xx and dropped connections are retried until they clear', async (t) => {
  const id = customer();
  // A real server on loopback: the second request's connection is dropped without an answer.
  const answers: (((res: http.ServerResponse) => void) | 'drop')[] = [
    (res) => res.writeHead(409, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { type: 'api_error', message: 'lock timeout' } })),
    'drop',
    (res) => res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { type: 'api_error', message: 'unavailable' } })),
    (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body(id))),
  ];
  const server = http.createServer((req, res) => {
    const answer = answers.shift();
    if (answer === 'drop' || !answer) req.socket.destroy();
    else answer(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  nock.enableNetConnect('127.0.0.1');
  const { stripe, retried } = client(3, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  t.like(await stripe.customers.retrieve(id), { id });
  t.is(answers.length, 0);
  t.deepEqual(await retried(), { 409: 1, network: 1, '5xx': 1 });
});

test('a failure that outlasts the retries reaches the caller as Stripe\'s error, after one try and the retries', async (t) => {
  const id = customer();
  const { stripe, acquired } = client(2);
  const scope = nock(stripeApi).get(`/v1/customers/${id}`).times(3).reply(500, { error: { type: 'api_error', message: 'still down' } });
  const error = await t.throwsAsync(stripe.customers.retrieve(id));
  t.like(error, { type: 'StripeAPIError', statusCode: 500 });
  t.true(scope.isDone());
  t.is(acquired(), 3);
});

test('Stripe-Should-Retry decides over the status, and a 4xx is never retried on its own', async (t) => {
  const { stripe } = client();
  const noRetry = customer();
  nock(stripeApi).get(`/v1/customers/${noRetry}`).reply(500, { error: { type: 'api_error', message: 'do not' } }, { 'Stripe-Should-Retry': 'false' });
  await t.throwsAsync(stripe.customers.retrieve(noRetry), { instanceOf: Error });
  const missing = customer();
  nock(stripeApi).get(`/v1/customers/${missing}`).reply(404, { error: { type: 'invalid_request_error', code: 'resource_missing', message: 'No such customer' } });
  await t.throwsAsync(stripe.customers.retrieve(missing), { instanceOf: Error });
  const advised = customer();
  nock(stripeApi).get(`/v1/customers/${advised}`).reply(400, { error: { type: 'invalid_request_error', message: 'lock' } }, { 'Stripe-Should-Retry': 'true' });
  nock(stripeApi).get(`/v1/customers/${advised}`).reply(200, body(advised));
  t.like(await stripe.customers.retrieve(advised), { id: advised });
  t.deepEqual(nock.pendingMocks().filter((mock) => mock.includes(noRetry) || mock.includes(missing) || mock.includes(advised)), []);
});

test('a Retry-After longer than a call may wait is left to the job: the 429 comes back at once', async (t) => {
  const id = customer();
  const { stripe, acquired } = client();
  nock(stripeApi).get(`/v1/customers/${id}`).reply(429, { error: { type: 'invalid_request_error', code: 'rate_limit', message: 'slow' } }, { 'Retry-After': '30' });
  const error = await t.throwsAsync(stripe.customers.retrieve(id));
  t.like(error, { type: 'StripeRateLimitError', statusCode: 429 });
  t.is(acquired(), 1);
});
