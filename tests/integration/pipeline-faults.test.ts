import { once } from 'node:events';
import test, { type ExecutionContext } from 'ava';
import { start as startApi } from '../../api/main.js';
import { start as startWorker } from '../../workers/main.js';
import { catalogFile } from '../support/catalog.js';
import { testConfig } from '../support/config.js';
import { createTestDatabase } from '../support/database.js';
import { mirrorOf } from '../support/pipeline.js';
import { childEnv, eventually, startScript } from '../support/processes.js';
import { redisInstance } from '../support/redis-instance.js';
import { serveStripeState } from '../support/stripe-server.js';
import { StripeState, uid, useStripeState, type Json } from '../support/stripe-state.js';
import { tcpProxy } from '../support/tcp-proxy.js';
import type { TestServices } from '../support/services.js';
import { deliver, makeEvent } from '../support/webhooks.js';

const fastRecovery = { JOB_LOCK_MS: '1500', RELAY_INTERVAL_MS: '300', RELAY_AFTER_SECONDS: '1', JOB_BACKOFF_MS: '200', JOB_ATTEMPTS: '20', WORKER_CONCURRENCY: '4' };

/** n customers, each with a pro subscription, and one event per customer. */
function customers(stripe: StripeState, n: number): { id: string; event: Json }[] {
  return Array.from({ length: n }, () => {
    const id = stripe.customer();
    const sub = stripe.subscription(id, { items: [{ price: uid('price'), product: 'prod_pro', lookupKey: 'pro_monthly' }] });
    return { id, event: makeEvent('customer.subscription.created', stripe.subscriptions.get(sub)!) };
  });
}

async function expectPro(t: ExecutionContext, services: Pick<TestServices, 'api'>, ids: string[]): Promise<void> {
  await eventually(async () => {
    const rows = await services.api.context.db('stripe_events').whereNotIn('status', ['processed']).count<{ n: number }[]>({ n: '*' });
    return rows[0].n === 0;
  }, 60_000, 100);
  for (const id of ids) {
    const mirror = await mirrorOf(services as TestServices, id);
    t.deepEqual((mirror?.features as { feature: string }[] | undefined)?.map((entry) => entry.feature), ['api_calls', 'basic', 'pro'], id);
  }
}

test.serial('a worker killed with SIGKILL mid-job: the job runs again elsewhere and reaches the same end state', async (t) => {
  const stripe = new StripeState();
  const [only] = customers(stripe, 1);
  const stripeServer = await serveStripeState(stripe);
  t.teardown(stripeServer.close);
  const database = await createTestDatabase();
  t.teardown(database.drop);
  const config = testConfig(database.url, { ...fastRecovery, STRIPE_API_BASE: stripeServer.url, CATALOG_FILE: catalogFile() });
  const api = await startApi(config, { silentLogs: true });
  t.teardown(api.stop);

  const held = stripeServer.hold(new RegExp(`^/v1/subscriptions\\?.*customer=${only.id}`));
  const { child, output } = startScript('workers/main.ts', childEnv({ ...config, METRICS_PORT: 0, LOG_LEVEL: 'warn' }));
  t.teardown(() => { if (!t.passed) t.log(output()); });
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  t.is((await deliver(`http://127.0.0.1:${api.port}`, only.event)).status, 200);
  // The sync job is now mid-flight: it has asked Stripe for the customer's subscriptions and waits for the answer.
  await eventually(() => Promise.resolve(held.waiting() > 0), 30_000);
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
  held.release();
  t.not((await api.context.db('stripe_events').where({ id: only.event.id }).first()).status, 'processed');

  const survivor = await startWorker(config, { silentLogs: true, metricsPort: 0 });
  t.teardown(survivor.stop);
  await expectPro(t, { api }, [only.id]);
});

test.serial('Redis restarted empty during delivery: webhooks still answer 200 and nothing is lost', async (t) => {
  const stripe = new StripeState();
  t.teardown(useStripeState(stripe));
  const all = customers(stripe, 12);
  const redis = await redisInstance();
  t.teardown(redis.stop);
  const database = await createTestDatabase();
  t.teardown(database.drop);
  const config = { ...testConfig(database.url, { ...fastRecovery, CATALOG_FILE: catalogFile() }), REDIS_URL: redis.url };
  const api = await startApi(config, { silentLogs: true });
  const worker = await startWorker(config, { silentLogs: true, metricsPort: 0 });
  t.teardown(async () => { await worker.stop(); await api.stop(); });
  const url = `http://127.0.0.1:${api.port}`;

  for (const { event } of all.slice(0, 4)) t.is((await deliver(url, event)).status, 200);
  await redis.stop();
  for (const { event } of all.slice(4, 8)) t.is((await deliver(url, event)).status, 200, 'durable in Postgres, so acknowledged');
  await redis.start();
  for (const { event } of all.slice(8)) t.is((await deliver(url, event)).status, 200);
  await expectPro(t, { api }, all.map(({ id }) => id));
});

test.serial('Postgres down during delivery: webhooks answer 503, redelivery succeeds, nothing is lost', async (t) => {
  const stripe = new StripeState();
  t.teardown(useStripeState(stripe));
  const all = customers(stripe, 9);
  const database = await createTestDatabase();
  t.teardown(database.drop);
  const realPort = Number(new URL(database.url).port);
  const proxy = await tcpProxy(realPort);
  t.teardown(proxy.close);
  const proxied = new URL(database.url);
  proxied.port = String(proxy.port);
  const config = testConfig(proxied.toString(), { ...fastRecovery, CATALOG_FILE: catalogFile() });
  const api = await startApi(config, { silentLogs: true });
  const worker = await startWorker(config, { silentLogs: true, metricsPort: 0 });
  t.teardown(async () => { await worker.stop(); await api.stop(); });
  const url = `http://127.0.0.1:${api.port}`;

  for (const { event } of all.slice(0, 3)) t.is((await deliver(url, event)).status, 200);
  await proxy.stop();
  const refused: Json[] = [];
  for (const { event } of all.slice(3, 6)) {
    const response = await deliver(url, event);
    t.is(response.status, 503);
    t.is(((await response.json()) as { error: { code: string } }).error.code, 'inbox_unavailable');
    refused.push(event);
  }
  await proxy.start();
  // Stripe retries what was refused; the rest arrives as usual.
  for (const event of [...refused, ...all.slice(6).map(({ event }) => event)]) {
    await eventually(async () => (await deliver(url, event)).status === 200, 10_000, 200);
  }
  await expectPro(t, { api }, all.map(({ id }) => id));
});

