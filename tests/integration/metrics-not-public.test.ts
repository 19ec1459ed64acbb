import test from 'ava';
import type { Queue } from 'bullmq';
import { createMetrics } from '../../shared/infra/metrics.js';
import type { Queues } from '../../shared/infra/queues.js';
import { registerStateMetrics } from '../../shared/infra/state-metrics.js';
import { startServices } from '../support/services.js';

const token = 'metrics-token-0123456789abcdef';

test('with METRICS_TOKEN, /metrics on the api port answers only that bearer token', async (t) => {
  const { url } = await startServices(t, { env: { METRICS_TOKEN: token } });
  t.is((await fetch(`${url}/metrics`)).status, 401);
  t.is((await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer metrics-token-wrong-wrong-wrong' } })).status, 401);
  const scraped = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  t.is(scraped.status, 200);
  t.regex(await scraped.text(), /http_request_duration_seconds/);
});

test('in production without METRICS_TOKEN, /metrics is not on the api port at all', async (t) => {
  const { url } = await startServices(t, { env: { NODE_ENV: 'production', RECONCILE_SCHEDULES: 'false' } });
  const response = await fetch(`${url}/metrics`);
  t.is(response.status, 404);
  t.false((await response.text()).includes('process_cpu'), 'no metric in the answer');
});

test('one reading of queue depth, dead letters and readiness serves every scrape for a few seconds', async (t) => {
  const { api } = await startServices(t);
  let reads = 0;
  // The service's queues, each counting how often its job counts are read from Redis.
  const queues = Object.fromEntries(Object.entries(api.context.queues).map(([key, queue]) => [key, new Proxy(queue, {
    get(target, property, receiver) {
      if (property === 'getJobCounts') return (...states: Parameters<Queue['getJobCounts']>) => { reads += 1; return target.getJobCounts(...states); };
      return Reflect.get(target, property, receiver) as unknown;
    },
  })])) as Queues;
  let clock = 1_000_000;
  const metrics = createMetrics({ role: 'api', instance: 'test' });
  registerStateMetrics(metrics, { db: api.context.db, redis: api.context.redis, queues }, { cacheMs: 5000, now: () => clock });

  const first = await metrics.registry.metrics();
  t.regex(first, /bullmq_queue_jobs\{[^}]*queue="events"/);
  t.regex(first, /dead_letter_queue_jobs\{[^}]*\} 0/);
  const perReading = reads;
  t.is(perReading, Object.keys(queues).length, 'one count per queue (the dead-letter size comes from the same reading)');
  for (let scrape = 0; scrape < 20; scrape += 1) await metrics.registry.metrics();
  t.is(reads, perReading, '20 more scrapes within the cache time read nothing');
  clock += 5000;
  await metrics.registry.metrics();
  t.is(reads, 2 * perReading, 'once the reading is 5 s old, the next scrape reads again');
});
