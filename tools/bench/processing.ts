import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import knex from 'knex';
import type Stripe from 'stripe';
import { isMainModule } from '../../shared/infra/lifecycle.js';
import { stripeApiVersion } from '../../shared/infra/stripe.js';
import { createBenchDatabase } from './support/database.js';
import { benchEnvironment } from './support/environment.js';
import { cpuMs, freePort, projectRoot, startChild, stopChild, waitForHttp } from './support/processes.js';
import { round } from './support/figures.js';
import { deleteKeys } from './support/redis-keys.js';
import { seedSubscriptions, startSimulator } from './support/simulator.js';

/**
 * Processing throughput against its ceiling, in one run: a backlog of `customer.subscription.created`
 * events (inbox rows plus their jobs, as the webhook leaves them) drained by one real worker process
 * (sync from the Stripe simulator, compare-and-set write, recompute, audit, invalidate), and the same
 * backlog drained by a bare BullMQ worker that only reads the row, makes one Stripe read and marks it
 * processed. Same concurrency, same simulator, fresh database and queue each.
 */

export interface ProcessingFigures { eventsPerSecond: number; seconds: number; cpuMillisPerEvent: number }
export interface ProcessingBenchmarkResult { events: number; concurrency: number; ceiling: ProcessingFigures; worker: ProcessingFigures; ratio: number }

const events = 2000;
const concurrency = 10;

async function loadBacklog(databaseUrl: string, prefix: string, subscriptions: Stripe.Subscription[]): Promise<void> {
  const db = knex({ client: 'pg', connection: databaseUrl, pool: { min: 0, max: 1 } });
  const queue = new Queue('events', { connection: new Redis(benchEnvironment.redisUrl, { maxRetriesPerRequest: null }), prefix });
  try {
    const rows = subscriptions.map((subscription) => {
      const id = `evt_${randomBytes(12).toString('hex')}`;
      const payload = {
        id, object: 'event', type: 'customer.subscription.created', api_version: stripeApiVersion, created: Math.floor(Date.now() / 1000),
        livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, data: { object: subscription },
      };
      return { id, type: payload.type, api_version: stripeApiVersion, stripe_created: new Date(), payload: JSON.stringify(payload), status: 'queued', queued_at: new Date() };
    });
    for (let start = 0; start < rows.length; start += 500) await db('stripe_events').insert(rows.slice(start, start + 500));
    await queue.addBulk(rows.map((row) => ({ name: row.type, data: { eventId: row.id }, opts: { jobId: row.id, removeOnComplete: true, removeOnFail: false } })));
  } finally {
    await queue.close();
    await db.destroy();
  }
}

/** Starts the drainer, then times from the first processed row to the last. */
async function drain(databaseUrl: string, start: () => ReturnType<typeof startChild>): Promise<ProcessingFigures & { child: ReturnType<typeof startChild> }> {
  const db = knex({ client: 'pg', connection: databaseUrl, pool: { min: 0, max: 1 } });
  const child = start();
  try {
    const processed = async () => Number((await db('stripe_events').where({ status: 'processed' }).count<{ count: string }[]>({ count: '*' }))[0]?.count ?? 0);
    const deadline = performance.now() + 300_000;
    let first: { at: number; count: number; cpu: number } | undefined;
    for (;;) {
      const count = await processed();
      if (!first && count > 0) first = { at: performance.now(), count, cpu: await cpuMs(child.child.pid) };
      if (count >= events && first) {
        const seconds = (performance.now() - first.at) / 1000;
        const cpu = (await cpuMs(child.child.pid)) - first.cpu;
        return { eventsPerSecond: Math.round((count - first.count) / seconds), seconds: round(seconds), cpuMillisPerEvent: round(cpu / (count - first.count)), child };
      }
      if (performance.now() > deadline || child.child.exitCode !== null) throw new Error(`${count}/${events} events processed; drainer output:\n${child.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await db.destroy();
  }
}

export async function runProcessingBenchmark(): Promise<ProcessingBenchmarkResult> {
  const sim = await startSimulator();
  const children: Parameters<typeof stopChild>[0][] = [sim.child];
  const databases: { drop: () => Promise<void> }[] = [];
  const prefix = `{bench-proc-${randomBytes(4).toString('hex')}}`;
  const redis = new Redis(benchEnvironment.redisUrl);
  try {
    const subscriptions = await seedSubscriptions(sim.url, events);

    const ceilingDb = await createBenchDatabase();
    databases.push(ceilingDb);
    await loadBacklog(ceilingDb.url, `${prefix}c`, subscriptions);
    const ceiling = await drain(ceilingDb.url, () => startChild('tools/bench/support/processing-ceiling-worker.ts', [benchEnvironment.redisUrl, `${prefix}c`, ceilingDb.url, sim.url, String(concurrency)], { NODE_ENV: 'production' }));
    children.push(ceiling.child.child);

    const workerDb = await createBenchDatabase();
    databases.push(workerDb);
    await loadBacklog(workerDb.url, `${prefix}w`, subscriptions);
    const metricsPort = await freePort();
    const worker = await drain(workerDb.url, () => startChild('workers/main.ts', [], {
      NODE_ENV: 'production', DATABASE_URL: workerDb.url, REDIS_URL: benchEnvironment.redisUrl, REDIS_PREFIX: `${prefix}w`, LOG_LEVEL: 'warn',
      STRIPE_SECRET_KEY: 'sk_test_bench', STRIPE_WEBHOOK_SECRET: 'whsec_bench', STRIPE_API_BASE: sim.url, RECONCILE_SCHEDULES: 'false',
      STRIPE_RATE_LIMIT_PER_SECOND: '1000', WORKER_CONCURRENCY: String(concurrency), METRICS_PORT: String(metricsPort),
      CATALOG_FILE: path.join(projectRoot, 'catalog.example.json'),
    }));
    children.push(worker.child.child);
    await waitForHttp(`http://127.0.0.1:${metricsPort}/healthz`, 200, worker.child.output, 5000).catch(() => undefined);
    const strip = ({ child: _child, ...figures }: ProcessingFigures & { child: unknown }): ProcessingFigures => figures;
    return { events, concurrency, ceiling: strip(ceiling), worker: strip(worker), ratio: round(worker.eventsPerSecond / ceiling.eventsPerSecond) };
  } finally {
    await Promise.all(children.map(stopChild));
    await deleteKeys(redis, prefix);
    redis.disconnect();
    await Promise.all(databases.map((database) => database.drop()));
  }
}

export function formatProcessingResult(result: ProcessingBenchmarkResult): string {
  const row = (name: string, f: ProcessingFigures) => `${name.padEnd(44)}${String(f.eventsPerSecond).padStart(10)}${f.seconds.toFixed(2).padStart(9)}${f.cpuMillisPerEvent.toFixed(2).padStart(12)}`;
  return [
    `processing: a backlog of ${result.events} customer.subscription.created events, concurrency ${result.concurrency}, Stripe = local simulator`,
    `${''.padEnd(44)}${'events/s'.padStart(10)}${'seconds'.padStart(9)}${'cpu ms/ev'.padStart(12)}`,
    row('ceiling (bare worker: row, 1 Stripe read, mark)', result.ceiling),
    row('worker (sync, write, recompute, audit, cache)', result.worker),
    `ratio worker/ceiling ${result.ratio}`,
  ].join('\n');
}

if (isMainModule(import.meta.url)) {
  const result = await runProcessingBenchmark();
  process.stdout.write(`${formatProcessingResult(result)}\n`);
}
