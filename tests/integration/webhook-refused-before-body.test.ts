import { randomBytes } from 'node:crypto';
import test from 'ava';
import Stripe from 'stripe';
import { webhookSecret } from '../support/config.js';
import { startServices } from '../support/services.js';
import { partialRequest } from '../support/slow-request.js';
import { stripeApiVersion } from '../../shared/infra/stripe.js';

// No nock in this file: nock holds an outgoing request until its body ends, and these requests never end.
const stripe = new Stripe('sk_test_123');
const id = (prefix: string) => `${prefix}_${randomBytes(8).toString('hex')}`;
const subscriptionEvent = () => ({
  id: id('evt'), object: 'event', type: 'customer.subscription.updated', api_version: stripeApiVersion, created: Math.floor(Date.now() / 1000),
  livemode: false, data: { object: { id: id('sub'), object: 'subscription', customer: id('cus') } },
});

/** POSTs an event signed at `timestamp`. */
async function deliverAt(url: string, event: object, timestamp: number): Promise<Response> {
  const payload = JSON.stringify(event);
  const header = stripe.webhooks.generateTestHeaderString({ payload, secret: webhookSecret, timestamp });
  return fetch(`${url}/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': header }, body: payload });
}
const twoMiB = 2 * 1024 * 1024;
const signature = (timestamp: number) => stripe.webhooks.generateTestHeaderString({ payload: '{}', secret: webhookSecret, timestamp });

/** The header cases refused before the body: each answered while 2 MiB are announced and 16 bytes sent. */
const refusals: [string, Record<string, string>, string][] = [
  ['a missing Stripe-Signature', {}, 'missing_signature'],
  ['a malformed Stripe-Signature', { 'stripe-signature': 'garbage' }, 'invalid_signature'],
  ['a Stripe-Signature without a v1 signature', { 'stripe-signature': `t=${Math.floor(Date.now() / 1000)}` }, 'invalid_signature'],
  ['a Stripe-Signature an hour old', { 'stripe-signature': signature(Math.floor(Date.now() / 1000) - 3600) }, 'invalid_signature'],
  ['a Stripe-Signature dated an hour in the future', { 'stripe-signature': signature(Math.floor(Date.now() / 1000) + 3600) }, 'invalid_signature'],
];

for (const [name, headers, code] of refusals) {
  test(`${name} is refused with 400 before the body is read`, async (t) => {
    const { url } = await startServices(t);
    const answer = await partialRequest(url, { path: '/webhooks/stripe', headers: { 'content-type': 'application/json', ...headers }, contentLength: twoMiB, sendBytes: 16 });
    t.is(answer.status, 400);
    t.like(JSON.parse(answer.body), { error: { code } });
  });
}

test('a signed event dated four minutes in the future is still accepted (clock skew within tolerance)', async (t) => {
  const { url } = await startServices(t);
  t.is((await deliverAt(url, subscriptionEvent(), Math.floor(Date.now() / 1000) + 240)).status, 200);
});

test('a signed event dated an hour in the future is refused and recorded nowhere', async (t) => {
  const { url, api } = await startServices(t);
  const event = subscriptionEvent();
  const response = await deliverAt(url, event, Math.floor(Date.now() / 1000) + 3600);
  t.is(response.status, 400);
  t.is(await api.context.db('stripe_events').where({ id: event.id }).first(), undefined);
});

test('a body that stops arriving is answered 408 once WEBHOOK_BODY_TIMEOUT_MS has passed', async (t) => {
  const { url } = await startServices(t, { env: { WEBHOOK_BODY_TIMEOUT_MS: '200' } });
  const answer = await partialRequest(url, {
    path: '/webhooks/stripe', headers: { 'content-type': 'application/json', 'stripe-signature': signature(Math.floor(Date.now() / 1000)) },
    contentLength: 1000, sendBytes: 10,
  });
  t.is(answer.status, 408);
  t.like(JSON.parse(answer.body), { error: { type: 'invalid_request', code: 'body_timeout' } });
});
