import path from 'node:path';
import autocannon, { type Result } from 'autocannon';
import { Redis } from 'ioredis';
import knex from 'knex';
import { createKey } from '../../shared/api-keys.js';
import { createBenchDatabase } from './support/database.js';
import { benchEnvironment } from './support/environment.js';
import { percentile, round } from './support/figures.js';
import { ensureBuilt, projectRoot, stopChild } from './support/processes.js';
import { freePortPair, processStates, startPm2Cluster, type Pm2Cluster } from './support/pm2.js';
import { deleteKeys } from './support/redis-keys.js';
import { signedEvent, webhookSecret } from './support/signed-events.js';
import { seedSubscriptions, startSimulator } from './support/simulator.js';

/**
 * Reloads under load, as an operator runs them: `ecosystem.config.cjs` under PM2 (2 api instances
 * in cluster mode, 2 workers), entitlement reads on `connections` kept-alive connections and a
 * stream of signed webhooks, through `pm2 reload billing-api` and then `pm2 reload billing-worker`.
 * Every read and webhook must be answered 2xx; every event must end processed exactly once (its
 * inbox row counted one attempt, its customer one audit entry).
 */

export interface ReloadOptions {
  /** Run the TypeScript sources through tsx (tests) instead of dist/ (what `npm start` runs). @defaultValue false */
  source?: boolean;
  /** Kept-alive connections reading entitlements. @defaultValue 10 */
  connections?: number;
  /** Webhook events sent during the reloads, one per customer. @defaultValue 200 */
  events?: number;
  /** Seconds of reads measured before the reload (the baseline p99). @defaultValue 5 */
  baselineSeconds?: number;
}

export interface ReadFigures { requests: number; errors: number; timeouts: number; non2xx: number; p99Ms: number; seconds: number }
export interface ReloadBenchmarkResult {
  connections: number;
  before: ReadFigures;
  during: ReadFigures;
  /** p99 during the reloads ÷ p99 before. */
  p99Ratio: number;
  webhooks: { sent: number; accepted: number; failed: number; p99Ms: number };
  events: { sent: number; backlogAtWorkerReload: number; processed: number; lost: number; doubled: number; auditDoubled: number };
  reloadSeconds: { api: number; worker: number };
}

const readFigures = (result: Result, seconds: number): ReadFigures => ({
  requests: result.requests.total, errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx,
  p99Ms: result.latency.p99, seconds: round(seconds, 1),
});

/** Reads until `stop()` is called; the result covers the whole run. */
function readLoad(url: string, headers: Record<string, string>, connections: number, durationSeconds = 600) {
  const started = performance.now();
  let finish: (result: Result) => void = () => undefined;
  const done = new Promise<Result>((resolve) => { finish = resolve; });
  const instance = autocannon({ url, headers, connections, duration: durationSeconds }, (_error, result) => finish(result));
  return { stop: async () => { instance.stop(); return readFigures(await done, (performance.now() - started) / 1000); }, done };
}

/** Posts each event in turn on `lanes` parallel lanes, pausing `pauseMs` after each. */
function webhookStream(url: string, events: { body: string; signature: string }[], options: { lanes: number; pauseMs: number }) {
  let next = 0;
  let accepted = 0;
  let failed = 0;
  const latencies: number[] = [];
  const lane = async () => {
    while (next < events.length) {
      const event = events[next++];
      if (!event) break;
      const started = performance.now();
      try {
        const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': event.signature }, body: event.body });
        await response.arrayBuffer();
        if (response.ok) accepted += 1;
        else failed += 1;
      } catch {
        failed += 1;
      }
      latencies.push(performance.now() - started);
      if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
    }
  };
  const running = Promise.all(Array.from({ length: options.lanes }, lane));
  return {
    /** Resolves with the figures once every event was sent. */
    finish: async () => { await running; return { sent: next, accepted, failed, latencies }; },
  };
}

async function waitUntil(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function seedReader(databaseUrl: string): Promise<{ ref: string; key: string }> {
  const db = knex({ client: 'pg', connection: databaseUrl, pool: { min: 0, max: 1 } });
  try {
    const ref = 'cus_benchreload';
    const [customer] = await db('customers').insert({ stripe_customer_id: ref, user_id: 'bench_reload_user' }).returning<{ id: string }[]>('id');
    if (!customer) throw new Error('customer insert returned no row');
    await db('entitlements').insert({ customer_id: customer.id, features: JSON.stringify([{ feature: 'pro', value: true }]), next_change_at: null, computed_at: new Date() });
    const { key } = await createKey(db, { name: 'bench-reload', scope: 'read' });
    return { ref, key };
  } finally {
    await db.destroy();
  }
}

const timed = async (work: () => Promise<unknown>) => {
  const started = performance.now();
  await work();
  return round((performance.now() - started) / 1000, 1);
};

export async function runReloadBenchmark(options: ReloadOptions = {}): Promise<ReloadBenchmarkResult> {
  const source = options.source ?? false;
  const connections = options.connections ?? 10;
  const eventCount = options.events ?? 200;
  if (!source) ensureBuilt();
  const prefix = `{reload-${Math.random().toString(16).slice(2, 10)}}`;
  const database = await createBenchDatabase();
  const sim = await startSimulator({ source });
  let cluster: Pm2Cluster | undefined;
  try {
    const { ref, key } = await seedReader(database.url);
    const subscriptions = await seedSubscriptions(sim.url, eventCount);
    const events = subscriptions.map((subscription) => signedEvent(subscription as unknown as Record<string, unknown>, 'customer.subscription.created'));
    const eventIds = events.map((event) => (JSON.parse(event.body) as { id: string }).id);

    const [port, apiMetricsPort, workerMetricsPort] = [await freePortPair(), await freePortPair(), await freePortPair()];
    cluster = await startPm2Cluster({
      DATABASE_URL: database.url, REDIS_URL: benchEnvironment.redisUrl, REDIS_PREFIX: prefix, PORT: String(port),
      API_INSTANCES: '2', WORKER_INSTANCES: '2', API_METRICS_PORT: String(apiMetricsPort), METRICS_PORT: String(workerMetricsPort),
      STRIPE_SECRET_KEY: 'sk_test_bench', STRIPE_WEBHOOK_SECRET: webhookSecret, STRIPE_API_BASE: sim.url,
      CATALOG_FILE: path.join(projectRoot, 'catalog.example.json'), RECONCILE_SCHEDULES: 'false', LOG_LEVEL: 'warn',
    }, { source });
    const running = cluster;
    const base = `http://127.0.0.1:${port}`;
    await waitUntil(async () => {
      const states = await processStates(running);
      return states.length === 4 && states.every((state) => state.status === 'online') && (await fetch(`${base}/readyz`)).ok;
    }, 60_000, 'the PM2 cluster did not come up');

    const readUrl = `${base}/v1/customers/${ref}/entitlements`;
    const headers = { authorization: `Bearer ${key}` };
    // Warm-up, then the baseline: the same reads with nothing reloading.
    await readLoad(readUrl, headers, connections, 2).done;
    const before = await readLoad(readUrl, headers, connections, options.baselineSeconds ?? 5).done.then((result) => readFigures(result, options.baselineSeconds ?? 5));

    const db = knex({ client: 'pg', connection: database.url, pool: { min: 0, max: 1 } });
    try {
      const processedCount = async () => Number((await db('stripe_events').whereIn('id', eventIds).where({ status: 'processed' }).count<{ n: string }[]>({ n: '*' }))[0]?.n ?? 0);
      const webhookUrl = `${base}/webhooks/stripe`;
      // A third of the events trickle in through the api's reload; the rest arrive at once just
      // before the workers' reload, so it happens under a backlog.
      const split = Math.floor(events.length / 3);
      const reads = readLoad(readUrl, headers, connections);
      const trickle = webhookStream(webhookUrl, events.slice(0, split), { lanes: 2, pauseMs: 20 });
      const api = await timed(() => running.run('reload', 'billing-api'));
      const trickled = await trickle.finish();
      const burst = await webhookStream(webhookUrl, events.slice(split), { lanes: 8, pauseMs: 0 }).finish();
      const backlogAtWorkerReload = eventIds.length - (await processedCount());
      const worker = await timed(() => running.run('reload', 'billing-worker'));
      const during = await reads.stop();
      const latencies = [...trickled.latencies, ...burst.latencies].sort((a, b) => a - b);
      const sentWebhooks = { sent: trickled.sent + burst.sent, accepted: trickled.accepted + burst.accepted, failed: trickled.failed + burst.failed, p99Ms: round(percentile(latencies, 99), 1) };

      await waitUntil(async () => (await processedCount()) === eventIds.length, 120_000, 'not every event was processed').catch(() => undefined);
      const processed = await processedCount();
      const doubled = Number((await db('stripe_events').whereIn('id', eventIds).where('attempts', '>', 1).count<{ n: string }[]>({ n: '*' }))[0]?.n ?? 0);
      const auditDoubled = (await db('audit_log').select('customer_id').whereNotNull('customer_id').groupBy('customer_id').havingRaw('count(*) > 1')).length;
      return {
        connections, before, during, p99Ratio: round(during.p99Ms / before.p99Ms, 2), webhooks: sentWebhooks,
        events: { sent: eventIds.length, backlogAtWorkerReload, processed, lost: eventIds.length - processed, doubled, auditDoubled },
        reloadSeconds: { api, worker },
      };
    } finally {
      await db.destroy();
    }
  } finally {
    await cluster?.kill();
    await stopChild(sim.child);
    const redis = new Redis(benchEnvironment.redisUrl);
    await deleteKeys(redis, prefix).catch(() => undefined);
    redis.disconnect();
    await database.drop();
  }
}

export function formatReloadResult(result: ReloadBenchmarkResult): string {
  const { before, during } = result;
  return [
    `reads before: ${before.requests} requests in ${before.seconds} s, p99 ${before.p99Ms} ms, ${before.errors} errors`,
    `reads during pm2 reload (api ${result.reloadSeconds.api} s, then workers ${result.reloadSeconds.worker} s): ${during.requests} requests, ` +
      `${during.errors} errors, ${during.timeouts} timeouts, ${during.non2xx} non-2xx, p99 ${during.p99Ms} ms (× ${result.p99Ratio})`,
    `webhooks: ${result.webhooks.accepted}/${result.webhooks.sent} accepted, ${result.webhooks.failed} failed, p99 ${result.webhooks.p99Ms} ms`,
    `events: ${result.events.processed}/${result.events.sent} processed (${result.events.backlogAtWorkerReload} waiting when the workers' reload began), ${result.events.lost} lost, ${result.events.doubled} run twice, ${result.events.auditDoubled} audited twice`,
  ].join('\n');
}
