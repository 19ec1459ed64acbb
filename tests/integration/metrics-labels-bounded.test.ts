import { randomBytes } from 'node:crypto';
import test from 'ava';
import nock from 'nock';
import Stripe from 'stripe';
import { createKey } from '../../shared/api-keys.js';
import type { Metrics } from '../../shared/infra/metrics.js';
import { webhookSecret } from '../support/config.js';
import { startServices } from '../support/services.js';

// Stripe through nock only: every price and lookup key is unknown to it.
nock.disableNetConnect();
nock.enableNetConnect('127.0.0.1');
const stripeApi = 'https://api.stripe.com';
const stripe = new Stripe('sk_test_123');

/**
 * Series per metric name (one per label combination), as the registry would expose them. The
 * runtime's own metrics (`nodejs_…`, `process_…`) are left out: their labels (GC kinds, say)
 * come from the runtime, not from requests, and appear whenever the runtime gets to them.
 */
async function seriesCount(metrics: Metrics): Promise<Record<string, number>> {
  const all = await metrics.registry.getMetricsAsJSON();
  return Object.fromEntries(all.filter((metric) => !/^(nodejs|process)_/.test(metric.name)).map((metric) => [metric.name, metric.values.length]));
}

test('1,000 distinct made-up prices, and 200 each of lookup keys, refs, paths and event types, add no series', async (t) => {
  // The api's Stripe calls share a rate limit; lifted here, where only the labels are under test.
  const { url, api } = await startServices(t, { env: { STRIPE_RATE_LIMIT_PER_SECOND: '1000', STRIPE_API_RATE_SHARE: '0.95' } });
  const { key } = await createKey(api.context.db, { name: 'labels', scope: 'admin' });
  nock(stripeApi).persist().get(/^\/v1\/prices\/[^/?]+/).reply(404, { error: { type: 'invalid_request_error', code: 'resource_missing', message: 'No such price' } });
  nock(stripeApi).persist().get('/v1/prices').query(true).reply(200, { object: 'list', data: [], has_more: false, url: '/v1/prices' });
  t.teardown(() => nock.cleanAll());
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const body = { user_id: 'user_labels', success_url: 'https://app.example/done', cancel_url: 'https://app.example/cancel' };

  /** A checkout of the n-th made-up price; every fifth round also every other kind of user-chosen value. */
  const round = async (n: number) => {
    const label = `gold-plan.${n}`;
    const checkout = await fetch(`${url}/v1/checkout/sessions`, { method: 'POST', headers, body: JSON.stringify({ ...body, price: label }) });
    t.is(checkout.status, 400);
    await checkout.arrayBuffer();
    if (n % 5 !== 0) return;
    const responses = await Promise.all([
      fetch(`${url}/v1/checkout/sessions`, { method: 'POST', headers, body: JSON.stringify({ ...body, lookup_key: `plan ${label}` }) }),
      fetch(`${url}/v1/customers/${label}/entitlements`, { headers }),
      fetch(`${url}/no-such-route/${label}`, { headers }),
    ]);
    const payload = JSON.stringify({ id: `evt_${randomBytes(8).toString('hex')}`, object: 'event', type: `made.up.${n}`, created: Math.floor(Date.now() / 1000), livemode: false, data: { object: {} } });
    const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: webhookSecret });
    responses.push(await fetch(`${url}/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signature }, body: payload }));
    t.deepEqual(responses.map((response) => response.status), [400, 200, 404, 200]);
    await Promise.all(responses.map((response) => response.arrayBuffer()));
  };

  await round(0);
  const before = await seriesCount(api.context.metrics);
  t.true((before.stripe_api_calls_total ?? 0) > 0, 'the warm-up made Stripe calls');
  for (let batch = 1; batch < 1000; batch += 37) {
    await Promise.all(Array.from({ length: Math.min(37, 1000 - batch) }, (_, index) => round(batch + index)));
  }
  const after = await seriesCount(api.context.metrics);
  const grown = Object.keys(after).filter((name) => (after[name] ?? 0) !== (before[name] ?? 0));
  t.deepEqual(grown, [], JSON.stringify(Object.fromEntries(grown.map((name) => [name, [before[name], after[name]]]))));
  const stripeCalls = await api.context.metrics.stripeCalls.get();
  t.deepEqual(stripeCalls.values.map((value) => value.labels.endpoint).sort(), ['GET /v1/prices', 'GET /v1/prices/:id']);
});
