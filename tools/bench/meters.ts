import { randomBytes, randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { parseConfig } from '../../shared/infra/config.js';
import { exportedMeters } from '../../shared/meters/exported-meters.js';
import { meterParity } from '../../shared/meters/parity.js';
import { scanUsage } from '../../shared/meters/scan-usage.js';
import { createSimulator } from '../stripe-sim/server.js';
import { start as startWorker } from '../../workers/main.js';
import { createBenchDatabase } from './support/database.js';
import { benchEnvironment } from './support/environment.js';
import { deleteKeys } from './support/redis-keys.js';

/**
 * 100,000 usage ledger rows (50 customers, over the last 10 hours) exported to the Stripe
 * simulator's billing meters by a real worker (in this process), while 10 % of the calls to the
 * billing endpoints fail transiently (5 % 429, 5 % 500). The figure is the number of Stripe
 * requests the export needed (retries included) and its time; parity is then checked per customer.
 */
export const meterTargets = { rows: 100_000, maxRequests: 1000, parityDiff: 0 };

export interface MeterBenchmarkResult {
  rows: number;
  customers: number;
  windows: number;
  /** Requests to the meter events endpoint, retries included. */
  exportRequests: number;
  /** Of those, answered with an injected failure. */
  failedRequests: number;
  seconds: number;
  /** Requests the parity check made (meters, summaries), and its total |diff|. */
  parityRequests: number;
  parityDiff: number;
  targets: typeof meterTargets;
  met: boolean;
}

const customers = 50;
const hours = 10;
const hourMs = 3_600_000;
const serviceKey = 'sk_test_meterbench';

export async function runMeterBenchmark(): Promise<MeterBenchmarkResult> {
  const database = await createBenchDatabase();
  const sim = await createSimulator({ weather: { onlyKeys: [serviceKey] } });
  const prefix = `{mbench${randomBytes(4).toString('hex')}}`;
  const config = parseConfig({
    NODE_ENV: 'production', DATABASE_URL: database.url, REDIS_URL: benchEnvironment.redisUrl, REDIS_PREFIX: prefix, PORT: '0', METRICS_PORT: '0', LOG_LEVEL: 'error',
    STRIPE_SECRET_KEY: serviceKey, STRIPE_WEBHOOK_SECRET: 'whsec_meterbenchsecret', STRIPE_API_BASE: sim.url, RETURN_URL_ORIGINS: 'https://app.example',
    STRIPE_RATE_LIMIT_PER_SECOND: '1000', METER_EVENTS_RATE_LIMIT_PER_SECOND: '1000', STRIPE_RETRY_BASE_MS: '20', STRIPE_RETRY_MAX_MS: '200',
    JOB_BACKOFF_MS: '100', JOB_BACKOFF_MAX_MS: '1000', METER_EXPORT_EVERY_SECONDS: '3600', RECONCILE_SCHEDULES: 'false',
  });
  const worker = await startWorker(config, { silentLogs: true, metricsPort: 0 });
  const { context } = worker;
  try {
    Object.assign(context.catalogFile, { features: { api_calls: { stripe_meter: 'api_calls' } } });
    const driver = new Stripe('sk_test_benchdriver', sim.stripeConfig);
    await driver.billing.meters.create({ display_name: 'API calls', event_name: 'api_calls', default_aggregation: { formula: 'sum' } });
    const ids: string[] = [];
    for (let index = 0; index < customers; index += 1) {
      const created = await driver.customers.create({ email: `meter-${index}@example.test` });
      const [row] = await context.db('customers').insert({ stripe_customer_id: created.id }).returning<{ id: string }[]>('id');
      ids.push(row.id);
    }
    const base = Math.floor(Date.now() / hourMs) * hourMs - hours * hourMs;
    const perCustomer = meterTargets.rows / customers;
    for (const customerId of ids) {
      const rows = Array.from({ length: perCustomer }, (_, index) => ({
        customer_id: customerId, feature: 'api_calls', kind: 'consume', amount: 1 + (index % 5), idempotency_key: randomUUID(), request_hash: 'bench',
        occurred_at: new Date(base + Math.floor((index / perCustomer) * hours * hourMs)),
      }));
      await context.db.batchInsert('usage_ledger', rows, 1000);
    }
    sim.weather.set({ rateLimitPercent: 5, retryAfterSeconds: 0, serverErrorPercent: 5, onlyPaths: ['/billing/meter_events'] });
    const started = process.hrtime.bigint();
    await scanUsage(context, exportedMeters(context.catalogFile));
    const expectedWindows = customers * hours;
    for (;;) {
      const [{ sent }] = await context.db('meter_export_windows').where({ status: 'sent' }).count<{ sent: number }[]>({ sent: '*' });
      if (sent >= expectedWindows) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const exportRequests = sim.weather.figures.requests;
    const failedRequests = sim.weather.figures.rateLimited + sim.weather.figures.serverErrors;
    const windows = Number((await context.db('meter_export_windows').count<{ n: number }[]>({ n: '*' }))[0].n);

    sim.weather.set({ onlyPaths: ['/billing/'] });
    const before = sim.weather.figures.requests;
    let parityDiff = 0;
    for (const customerId of ids) {
      const report = await meterParity(context, context.stripe, { customerId, start: new Date(base - hourMs), end: new Date(base + (hours + 1) * hourMs) });
      parityDiff += report.diff;
    }
    const parityRequests = sim.weather.figures.requests - before;
    return {
      rows: meterTargets.rows, customers, windows, exportRequests, failedRequests, seconds: Math.round(seconds * 100) / 100, parityRequests, parityDiff,
      targets: meterTargets, met: exportRequests <= meterTargets.maxRequests && parityDiff === meterTargets.parityDiff,
    };
  } finally {
    await deleteKeys(context.redis, prefix);
    await worker.stop();
    await sim.close();
    await database.drop();
  }
}

export function formatMeterResult(r: MeterBenchmarkResult): string {
  return [
    `meters: ${r.rows} usage rows of ${r.customers} customers → ${r.windows} windows`,
    `  export: ${r.exportRequests} Stripe requests (${r.failedRequests} failed transiently and were retried) in ${r.seconds} s`,
    `  parity: diff ${r.parityDiff} over ${r.customers} customers, ${r.parityRequests} requests`,
  ].join('\n');
}
