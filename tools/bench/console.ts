// `npm run bench -- console`: the admin console's pages over 10,000 customers, 1,000,000 inbox events and 200,000 outbound deliveries.
import { randomBytes } from 'node:crypto';
import knex from 'knex';
import { createKey } from '../../shared/api-keys.js';
import { isMainModule } from '../../shared/infra/lifecycle.js';
import { createBenchDatabase } from './support/database.js';
import { benchEnvironment } from './support/environment.js';
import { freePort, startChild, stopChild, waitForHttp } from './support/processes.js';

const customers = 10_000;
const events = 1_000_000;
const deliveriesPerCustomer = 20;
const samples = 40;
const warmUp = 3;
const targetP95Ms = 200;

export interface ConsolePageFigure { page: string; p50Ms: number; p95Ms: number; maxMs: number }
export interface ConsoleBenchmarkResult { customers: number; events: number; seedSeconds: number; pages: ConsolePageFigure[]; targetP95Ms: number; met: boolean }

/** Bulk seed in a few statements (generate_series): customers with a subscription each, a million inbox rows, audit rows, deliveries. */
async function seed(url: string): Promise<void> {
  const db = knex({ client: 'pg', connection: url, pool: { min: 0, max: 1 } });
  try {
    await db.raw(`insert into customers (stripe_customer_id, user_id, email, name, created_at)
      select 'cus_bench' || i, 'user_' || i, 'user' || i || '@example.com', 'Customer ' || i, now() - make_interval(secs => i * 60)
      from generate_series(1, ?) i`, [customers]);
    await db.raw(`insert into subscriptions (id, customer_id, stripe_customer_id, status, currency, stripe_created, trial_end, ended_at, past_due_since, synced_at)
      select 'sub_bench' || substr(c.stripe_customer_id, 10), c.id, c.stripe_customer_id,
        (array['active','active','active','active','past_due','trialing','canceled'])[1 + (n % 7)], 'usd',
        now() - make_interval(days => (n % 400)), null, case when n % 7 = 6 then now() - make_interval(days => (n % 30)) end,
        case when n % 7 = 4 then now() - interval '1 day' end, now()
      from (select id, stripe_customer_id, substr(stripe_customer_id, 10)::int as n from customers) c`);
    await db.raw(`insert into subscription_items (id, subscription_id, price_id, product_id, lookup_key, quantity, unit_amount, current_period_start, current_period_end)
      select 'si' || substr(s.id, 4), s.id, 'price_' || p.k, 'prod_' || p.k, p.k, 1 + (n % 3), p.amount, now() - interval '10 days', now() + interval '20 days'
      from (select id, substr(id, 10)::int as n from subscriptions) s
      cross join lateral (select (array['pro_monthly','team_monthly','pro_yearly'])[1 + (s.n % 3)] as k, (array[2900, 9900, 29000])[1 + (s.n % 3)] as amount) p`);
    await db.raw(`insert into stripe_events (id, type, payload, status, attempts, last_error, customer_id, received_at, processed_at)
      select 'evt_bench' || i, (array['invoice.paid','customer.subscription.updated','invoice.payment_failed','charge.refunded'])[1 + (i % 4)],
        '{"object":"event"}'::jsonb,
        case when i % 100 = 0 then 'dead' when i % 250 = 1 then 'failed' else 'processed' end,
        case when i % 100 = 0 then 8 else 1 end, case when i % 100 = 0 then 'Stripe answered 500' end,
        'cus_bench' || (1 + (i % ?)), now() - make_interval(secs => i * 3), now() - make_interval(secs => i * 3)
      from generate_series(1, ?) i`, [customers, events]);
    await db.raw(`insert into audit_log (actor, action, subject_type, subject_id, customer_id, before, after, event_id, at)
      select 'worker', 'entitlements.changed', 'customer', c.id::text, c.id, '[]'::jsonb, '[{"feature":"pro","value":true,"sources":[],"expires_at":null}]'::jsonb,
        'evt_bench' || g, now() - make_interval(secs => g * 30)
      from customers c cross join generate_series(1, 5) g`);
    // Outbound deliveries of entitlement events, 20 per customer: a customer's page finds its own by event id prefix.
    await db.raw(`insert into webhook_endpoints (url, events, secret) values ('https://app.example/hook', '{entitlements.updated}', 'whsec_bench')`);
    await db.raw(`insert into webhook_deliveries (endpoint_id, event_id, event_type, payload, status, attempts, created_at, delivered_at)
      select e.id, 'evt_ent_' || replace(c.id::text, '-', '') || '_' || g, 'entitlements.updated', '{}'::jsonb, 'succeeded', 1, now() - make_interval(secs => g * 100), now() - make_interval(secs => g * 100)
      from webhook_endpoints e cross join customers c cross join generate_series(1, ?) g`, [deliveriesPerCustomer]);
    // What autovacuum does to a table that has settled: statistics, and the visibility map index-only scans rely on.
    await db.raw('vacuum analyze');
  } finally {
    await db.destroy();
  }
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

async function measure(url: string, key: string, page: string): Promise<ConsolePageFigure> {
  const times: number[] = [];
  for (let i = 0; i < warmUp + samples; i += 1) {
    const started = performance.now();
    const response = await fetch(`${url}${page}`, { headers: { authorization: `Bearer ${key}` } });
    const body = await response.text();
    if (response.status !== 200) throw new Error(`${page} answered ${response.status}: ${body.slice(0, 300)}`);
    if (i >= warmUp) times.push(performance.now() - started);
  }
  const sorted = times.sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return { page, p50Ms: round(percentile(sorted, 50)), p95Ms: round(percentile(sorted, 95)), maxMs: round(sorted.at(-1) ?? 0) };
}

export async function runConsoleBenchmark(): Promise<ConsoleBenchmarkResult> {
  const database = await createBenchDatabase();
  let api: ReturnType<typeof startChild> | undefined;
  try {
    const seedStarted = performance.now();
    await seed(database.url);
    const seedSeconds = Math.round((performance.now() - seedStarted) / 100) / 10;
    const db = knex({ client: 'pg', connection: database.url, pool: { min: 0, max: 1 } });
    const { key } = await createKey(db, { name: 'bench-console', scope: 'admin', readOnly: false }).finally(() => db.destroy());
    const port = await freePort();
    api = startChild('api/main.ts', [], {
      NODE_ENV: 'production', DATABASE_URL: database.url, REDIS_URL: benchEnvironment.redisUrl, REDIS_PREFIX: `bench-console-${randomBytes(4).toString('hex')}`,
      PORT: String(port), METRICS_PORT: '0', LOG_LEVEL: 'warn', STRIPE_SECRET_KEY: 'sk_test_bench', STRIPE_WEBHOOK_SECRET: 'whsec_bench',
    });
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${url}/healthz`, 200, api.output);
    const pages = [
      '/admin/console', '/admin/console?q=user4242%40', '/admin/console?q=cus_bench77', '/admin/console/customers/cus_bench4242',
      '/admin/console/customers/user_9001?kind=event', '/admin/console/events', '/admin/console/events?status=failed', '/admin/console/reconciliations', '/admin/console/revenue',
    ];
    const figures: ConsolePageFigure[] = [];
    process.stderr.write(`console: seeded in ${seedSeconds} s\n`);
    for (const page of pages) {
      const figure = await measure(url, key, page);
      process.stderr.write(`console: ${figure.page} p50 ${figure.p50Ms} ms, p95 ${figure.p95Ms} ms\n`);
      figures.push(figure);
    }
    return { customers, events, seedSeconds, pages: figures, targetP95Ms, met: figures.every((figure) => figure.p95Ms <= targetP95Ms) };
  } finally {
    if (api) await stopChild(api.child);
    await database.drop();
  }
}

export function formatConsoleResult(result: ConsoleBenchmarkResult): string {
  return [
    `console pages over ${result.customers} customers and ${result.events} inbox events (seeded in ${result.seedSeconds} s); ${samples} sequential requests each:`,
    ...result.pages.map((figure) => `  ${figure.page.padEnd(52)} p50 ${figure.p50Ms} ms  p95 ${figure.p95Ms} ms  max ${figure.maxMs} ms`),
    `  target p95 ≤ ${result.targetP95Ms} ms: ${result.met ? 'met' : 'NOT met'}`,
  ].join('\n');
}

if (isMainModule(import.meta.url)) {
  process.stdout.write(`${formatConsoleResult(await runConsoleBenchmark())}\n`);
}
