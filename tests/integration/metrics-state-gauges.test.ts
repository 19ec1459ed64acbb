import type { AddressInfo } from 'node:net';
import test from 'ava';
import { eventually, freePort } from '../support/processes.js';
import { settled, startPipeline } from '../support/pipeline.js';
import { StripeState, uid, useStripeState, type Json, type StripeAnswer } from '../support/stripe-state.js';
import { deliver, makeEvent } from '../support/webhooks.js';

/** A Stripe that answers 400 (a permanent error) for every request: events dead-letter at once. */
class BrokenStripe extends StripeState {
  override answer(method: string, url: string): StripeAnswer {
    this.calls.push(`${method} ${url} (400)`);
    return [400, { error: { type: 'invalid_request_error', message: 'This request is not valid' } }];
  }
}


/** One sample's value from a Prometheus text exposition, or undefined when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{`) && Object.entries(labels).every(([key, value]) => candidate.includes(`${key}="${value}"`)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

test('queue depth, dead-letter size and readiness are read at scrape time, on the worker and on the api instance port', async (t) => {
  const customer = uid('cus');
  const stripe = new BrokenStripe();
  stripe.customer(customer);
  t.teardown(useStripeState(stripe));
  const apiMetricsPort = await freePort();
  const services = await startPipeline(t, { API_METRICS_PORT: String(apiMetricsPort) });
  const workerPort = (services.worker?.metricsServer?.address() as AddressInfo).port;
  const scrape = async (port: number) => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();

  const before = await scrape(workerPort);
  t.is(sample(before, 'dead_letter_queue_jobs', {}), 0);
  t.is(sample(before, 'bullmq_queue_jobs', { queue: 'events', state: 'failed' }), 0);
  t.is(sample(before, 'readiness_status', { dependency: 'postgres' }), 1);
  t.is(sample(before, 'readiness_status', { dependency: 'redis' }), 1);

  const event = makeEvent('customer.updated', stripe.customers.get(customer) as Json);
  t.is((await deliver(services.url, event)).status, 200);
  await settled(services);
  await eventually(async () => sample(await scrape(workerPort), 'dead_letter_queue_jobs', {}) === 1);

  for (const text of [await scrape(workerPort), await scrape(apiMetricsPort)]) {
    t.is(sample(text, 'dead_letter_queue_jobs', {}), 1);
    t.true((sample(text, 'bullmq_queue_jobs', { queue: 'sync', state: 'failed' }) ?? 0) + (sample(text, 'bullmq_queue_jobs', { queue: 'events', state: 'failed' }) ?? 0) >= 1, 'the failed job is counted in its queue');
    t.is(sample(text, 'bullmq_queue_jobs', { queue: 'events', state: 'waiting' }), 0);
  }
  const api = await scrape(apiMetricsPort);
  t.regex(api, /role="api"/, 'the api instance port serves the api process registry');
  t.is(sample(api, 'webhook_events_received_total', { type: 'customer.updated', outcome: 'accepted' }), 1);
});
