import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import knex from 'knex';
import { parseConfig } from '../../shared/config.js';
import { createDb, migrateLatest } from '../../shared/db.js';
import { requestReconciliation } from '../../shared/reconcile/request.js';
import { loadRun } from '../../shared/reconcile/runs.js';
import { testEnvironment } from '../../tests/support/environment.js';
import { start as startWorker } from '../../workers/main.js';

/**
 * Reconciliation of 100,000 subscriptions (50,000 customers with two each). The local Stripe
 * simulator (tools/stripe-sim) keeps full objects, filters and re-sorts its whole store on every
 * list call and creates invoices and events for each subscription, so seeding and paging 100k there
 * would measure the simulator; this benchmark serves Stripe's list shape from a minimal in-process
 * HTTP server instead (objects computed from their index). The mirror holds the same 100k, with
 * 1% drift (a third each missing locally, with another status, with another quantity). The
 * workers' shared Stripe rate limit is raised to 1,000 calls/s: 1,000 pages at the default 25/s
 * would take 40 s of waiting alone.
 */
const total = 100_000;
const base = 1_760_000_000;
const periodEnd = base + 30 * 86_400;
const pad = (index: number) => String(index).padStart(6, '0');
const subId = (index: number) => `sub_bench${pad(index)}`;
const customerId = (index: number) => `cus_bench${pad(Math.floor(index / 2))}`;
/** Drift: every 100th subscription, kinds in turn. */
const driftOf = (index: number) => (index % 100 !== 0 ? undefined : (['missing_locally', 'status_differs', 'items_differ'] as const)[(index / 100) % 3]);

function subscription(index: number) {
  const id = subId(index);
  const customer = customerId(index);
  return {
    id, object: 'subscription', customer, status: 'active', cancel_at_period_end: false, cancel_at: null, canceled_at: null, ended_at: null,
    trial_end: null, currency: 'usd', metadata: {}, created: base - index, livemode: false,
    items: { object: 'list', has_more: false, data: [{
      id: `si_bench${pad(index)}`, object: 'subscription_item', subscription: id, quantity: 1, current_period_start: base, current_period_end: periodEnd,
      price: { id: 'price_bench', object: 'price', product: 'prod_bench', lookup_key: 'pro_monthly', unit_amount: 1500, currency: 'usd', active: true },
    }] },
    latest_invoice: { id: `in_bench${pad(index)}`, object: 'invoice', status: 'paid', customer, payments: { object: 'list', has_more: false, data: [] } },
  };
}

/** Stripe's list shape: newest first (index order), `limit`, `starting_after`, `has_more`; a customer filter; retrieve. */
function answer(url: URL): [number, unknown] {
  const list = (data: unknown[], hasMore = false) => [200, { object: 'list', data, has_more: hasMore, url: url.pathname }] as [number, unknown];
  const customer = /^\/v1\/customers\/(cus_bench(\d+))$/.exec(url.pathname);
  if (customer) return [200, { id: customer[1], object: 'customer', email: null, name: null, metadata: {}, created: base, livemode: false }];
  if (url.pathname === '/v1/charges') return list([]);
  if (url.pathname !== '/v1/subscriptions') return [404, { error: { type: 'invalid_request_error', message: `unrouted ${url.pathname}` } }];
  const filter = url.searchParams.get('customer');
  if (filter) {
    const first = Number(filter.slice('cus_bench'.length)) * 2;
    return list([first, first + 1].filter((index) => index < total).map(subscription));
  }
  const limit = Number(url.searchParams.get('limit') ?? 10);
  const after = url.searchParams.get('starting_after');
  const start = after ? Number(after.slice('sub_bench'.length)) + 1 : 0;
  const end = Math.min(total, start + limit);
  return list(Array.from({ length: end - start }, (_, offset) => subscription(start + offset)), end < total);
}

async function serveStripe(): Promise<{ url: string; calls: () => number; close: () => Promise<void> }> {
  let calls = 0;
  const server = http.createServer((req, res) => {
    calls += 1;
    const [status, body] = answer(new URL(req.url ?? '/', 'http://localhost'));
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': 'req_bench' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls: () => calls,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** The mirror, generated in SQL: 50k customers, 100k subscriptions and items, minus and plus the drift. */
async function seedMirror(db: ReturnType<typeof createDb>): Promise<void> {
  const series = `generate_series(0, ${total - 1}) as i`;
  const name = (prefix: string, expr: string) => `'${prefix}' || lpad((${expr})::text, 6, '0')`;
  await db.raw(`insert into customers (stripe_customer_id, metadata, synced_at) select ${name('cus_bench', 'c')}, '{}', now() - interval '1 hour' from generate_series(0, ${total / 2 - 1}) as c`);
  await db.raw(`
    insert into subscriptions (id, customer_id, stripe_customer_id, status, latest_invoice_id, latest_invoice_status, currency, stripe_created, synced_at)
    select ${name('sub_bench', 'i')}, c.id, c.stripe_customer_id, case when i % 300 = 100 then 'past_due' else 'active' end,
      ${name('in_bench', 'i')}, 'paid', 'usd', to_timestamp(${base} - i), now() - interval '1 hour'
    from ${series} join customers c on c.stripe_customer_id = ${name('cus_bench', 'i / 2')}
    where i % 300 <> 0`);
  await db.raw(`
    insert into subscription_items (id, subscription_id, price_id, product_id, lookup_key, quantity, unit_amount, current_period_start, current_period_end)
    select ${name('si_bench', 'i')}, ${name('sub_bench', 'i')}, 'price_bench', 'prod_bench', 'pro_monthly', case when i % 300 = 200 then 2 else 1 end, 1500,
      to_timestamp(${base}), to_timestamp(${periodEnd})
    from ${series} where i % 300 <> 0`);
  await db.raw('analyze customers, subscriptions, subscription_items');
}

export async function runReconcileBenchmark(): Promise<{ subscriptions: number; seconds: number; perSecond: number }> {
  const databaseName = `billing_bench_${randomBytes(5).toString('hex')}`;
  const adminUrl = new URL(testEnvironment.databaseUrl);
  adminUrl.pathname = '/postgres';
  const admin = knex({ client: 'pg', connection: adminUrl.toString(), pool: { min: 0, max: 1 } });
  const databaseUrl = new URL(testEnvironment.databaseUrl);
  databaseUrl.pathname = `/${databaseName}`;
  const stripe = await serveStripe();
  await admin.raw('create database ??', [databaseName]);
  try {
    const db = createDb({ url: databaseUrl.toString(), poolMax: 4 });
    await migrateLatest(db);
    await seedMirror(db);
    await db.destroy();
    const config = parseConfig({
      NODE_ENV: 'production', DATABASE_URL: databaseUrl.toString(), REDIS_URL: testEnvironment.redisUrl, REDIS_PREFIX: `{bench${randomBytes(4).toString('hex')}}`,
      STRIPE_SECRET_KEY: 'sk_test_bench', STRIPE_WEBHOOK_SECRET: 'whsec_bench', STRIPE_API_BASE: stripe.url, STRIPE_RATE_LIMIT_PER_SECOND: '1000',
      RECONCILE_SCHEDULES: 'false', LOG_LEVEL: 'error', METRICS_PORT: '0', PORT: '0',
    });
    const worker = await startWorker(config, { silentLogs: true });
    try {
      const started = process.hrtime.bigint();
      const { id } = await requestReconciliation(worker.context, { trigger: 'bench' });
      let run = await loadRun(worker.context.db, id);
      while (run && run.status !== 'succeeded' && run.status !== 'failed') {
        await new Promise((resolve) => setTimeout(resolve, 100));
        run = await loadRun(worker.context.db, id);
      }
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (run?.status !== 'succeeded') throw new Error(`the benchmark run ${run?.status ?? 'vanished'}: ${run?.error ?? ''}`);
      const expected = { missing_locally: 0, status_differs: 0, items_differ: 0 };
      for (let index = 0; index < total; index += 1) { const kind = driftOf(index); if (kind) expected[kind] += 1; }
      process.stdout.write(`reconcile: checked ${run.checked}, drifted ${run.drifted} ${JSON.stringify(run.drift)} (expected ${JSON.stringify(expected)}), repaired ${run.repaired}, errors ${run.errors}, ${stripe.calls()} Stripe calls\n`);
      return { subscriptions: run.checked, seconds, perSecond: run.checked / seconds };
    } finally {
      await worker.stop();
    }
  } finally {
    await stripe.close();
    await admin.raw('drop database if exists ?? with (force)', [databaseName]);
    await admin.destroy();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await runReconcileBenchmark();
  process.stdout.write(`reconcile: ${result.subscriptions.toLocaleString('en-US')} subscriptions in ${result.seconds.toFixed(1)} s = ${Math.round(result.perSecond).toLocaleString('en-US')}/s (target: 100,000 in ≤ 60 s)\n`);
}
