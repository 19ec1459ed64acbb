import { randomBytes } from 'node:crypto';
import autocannon, { type Result } from 'autocannon';
import { Redis } from 'ioredis';
import knex from 'knex';
import { createKey } from '../../shared/api-keys.js';
import { cacheKeys } from '../../shared/entitlements/cache-keys.js';
import { isMainModule } from '../../shared/infra/lifecycle.js';
import { createBenchDatabase } from './support/database.js';
import { benchEnvironment } from './support/environment.js';
import { pacedLoad } from './support/paced-load.js';
import { cpuMs, freePort, startChild, stopChild, waitForHttp } from './support/processes.js';

/**
 * Entitlement reads on cache hits against their ceiling, in one run: a bare Express 5 + ioredis GET
 * server, and the real api (auth, request log, metrics, cache) on its own Redis prefix and database.
 * Both run in child processes, so the load generator never shares their event loop.
 */

export interface Figures {
  requestsPerSecond: number; p50Ms: number; p99Ms: number; non2xx: number; errors: number;
  /** Server CPU per request (user + system), in µs: unlike req/s, barely moved by other load on the host. */
  cpuMicrosPerRequest?: number;
}
export interface ReadsBenchmarkResult {
  connections: number;
  durationSeconds: number;
  ceiling: Figures;
  api: Figures;
  /** api req/s ÷ ceiling req/s; target ≥ 0.8. */
  ratio: number;
  /** ceiling CPU per request ÷ api CPU per request: the same ratio, robust to a busy host. */
  cpuRatio: number;
  /** The api at 1,000 req/s through autocannon's `overallRate` (bursty: see {@link pacedLoad}). */
  fixedRate: Figures & { rate: number };
  /** The api at 1,000 req/s evenly paced, latency from each request's due time; target p99 ≤ 10 ms. */
  paced: Figures & { rate: number };
  /** The ceiling at the same even rate: what the machine and the load generator alone cost the p99. */
  ceilingPaced: Figures & { rate: number };
  targets: { ratio: number; p99Ms: number };
  met: { ratio: boolean; p99: boolean };
}

const connections = 50;
const durationSeconds = 10;
const rate = 1000;
const targets = { ratio: 0.8, p99Ms: 10 };

const features = [
  { feature: 'api_calls', value: 10000, sources: [{ kind: 'subscription', id: 'sub_bench1' }], expires_at: null },
  { feature: 'pro', value: true, sources: [{ kind: 'subscription', id: 'sub_bench1' }], expires_at: null },
  { feature: 'seats', value: 5, sources: [{ kind: 'grant', id: 'b0d7c0de-0000-4000-8000-000000000001' }, { kind: 'subscription', id: 'sub_bench1' }], expires_at: null },
];

function figures(result: Result): Figures {
  return { requestsPerSecond: Math.round(result.requests.average), p50Ms: result.latency.p50, p99Ms: result.latency.p99, non2xx: result.non2xx, errors: result.errors };
}

async function load(url: string, headers: Record<string, string>, options: { duration: number; overallRate?: number }): Promise<Result> {
  return autocannon({ url, headers, connections, duration: options.duration, ...(options.overallRate && { overallRate: options.overallRate }) });
}

/** A saturating run, with the server's CPU time per request. */
async function measure(url: string, headers: Record<string, string>, pid: number | undefined): Promise<Figures> {
  const before = await cpuMs(pid);
  const result = await load(url, headers, { duration: durationSeconds });
  const used = (await cpuMs(pid)) - before;
  return { ...figures(result), cpuMicrosPerRequest: Math.round((used * 1000) / result.requests.total) };
}

async function seed(databaseUrl: string): Promise<{ ref: string; key: string; body: string }> {
  const db = knex({ client: 'pg', connection: databaseUrl, pool: { min: 0, max: 1 } });
  try {
    const ref = 'cus_benchreads';
    const [customer] = await db('customers').insert({ stripe_customer_id: ref, user_id: 'bench_user' }).returning<{ id: string }[]>('id');
    if (!customer) throw new Error('customer insert returned no row');
    await db('entitlements').insert({ customer_id: customer.id, features: JSON.stringify(features), next_change_at: null, computed_at: new Date() });
    const { key } = await createKey(db, { name: 'bench-reads', scope: 'read' });
    const body = JSON.stringify({ customer: { id: customer.id, stripe_customer_id: ref, user_id: 'bench_user' }, entitlements: features, as_of: new Date().toISOString() });
    return { ref, key, body };
  } finally {
    await db.destroy();
  }
}

export async function runReadsBenchmark(): Promise<ReadsBenchmarkResult> {
  const prefix = `{bench-${randomBytes(4).toString('hex')}}`;
  const database = await createBenchDatabase();
  const redis = new Redis(benchEnvironment.redisUrl);
  const ceilingKey = `${prefix}:ceiling`;
  const children: Parameters<typeof stopChild>[0][] = [];
  try {
    const { ref, key, body } = await seed(database.url);
    await redis.set(ceilingKey, body);
    const path = `/v1/customers/${ref}/entitlements`;

    const ceilingPort = await freePort();
    const ceiling = startChild('tools/bench/support/ceiling-server.ts', [String(ceilingPort), benchEnvironment.redisUrl, ceilingKey], { NODE_ENV: 'production' });
    children.push(ceiling.child);
    const apiPort = await freePort();
    const api = startChild('api/main.ts', [], {
      NODE_ENV: 'production', DATABASE_URL: database.url, REDIS_URL: benchEnvironment.redisUrl, REDIS_PREFIX: prefix,
      PORT: String(apiPort), METRICS_PORT: '0', LOG_LEVEL: 'warn', STRIPE_SECRET_KEY: 'sk_test_bench', STRIPE_WEBHOOK_SECRET: 'whsec_bench',
    });
    children.push(api.child);
    const ceilingUrl = `http://127.0.0.1:${ceilingPort}${path}`;
    const apiUrl = `http://127.0.0.1:${apiPort}${path}`;
    await waitForHttp(ceilingUrl, 200, ceiling.output);
    await waitForHttp(`http://127.0.0.1:${apiPort}/healthz`, 200, api.output);
    const auth = { authorization: `Bearer ${key}` };
    const check = await fetch(apiUrl, { headers: auth });
    if (check.status !== 200) throw new Error(`the api answered ${check.status}: ${await check.text()}`);

    // Warm both (JIT, connection pools, the entitlement cache), then measure with the same load.
    await load(ceilingUrl, {}, { duration: 2 });
    await load(apiUrl, auth, { duration: 2 });
    const ceilingRun = await measure(ceilingUrl, {}, ceiling.child.pid);
    const apiRun = await measure(apiUrl, auth, api.child.pid);
    const fixed = figures(await load(apiUrl, auth, { duration: durationSeconds, overallRate: rate }));
    const pacedFigures = async (url: string, headers: Record<string, string>) => {
      const even = await pacedLoad(url, headers, rate, durationSeconds, connections);
      return { requestsPerSecond: even.achievedRate, p50Ms: even.p50Ms, p99Ms: even.p99Ms, non2xx: even.non2xx, errors: even.errors, rate };
    };
    const ceilingPaced = await pacedFigures(ceilingUrl, {});
    const paced = await pacedFigures(apiUrl, auth);
    const ratio = Math.round((apiRun.requestsPerSecond / ceilingRun.requestsPerSecond) * 100) / 100;
    const cpuRatio = Math.round(((ceilingRun.cpuMicrosPerRequest ?? Number.NaN) / (apiRun.cpuMicrosPerRequest ?? Number.NaN)) * 100) / 100;
    return {
      connections, durationSeconds, ceiling: ceilingRun, api: apiRun, ratio, cpuRatio, fixedRate: { ...fixed, rate }, paced, ceilingPaced, targets,
      met: { ratio: ratio >= targets.ratio, p99: paced.p99Ms <= targets.p99Ms },
    };
  } finally {
    await Promise.all(children.map(stopChild));
    await redis.del(ceilingKey, cacheKeys.entry(prefix, 'cus_benchreads'), cacheKeys.epoch(prefix, 'cus_benchreads'));
    redis.disconnect();
    await database.drop();
  }
}

export function formatReadsResult(result: ReadsBenchmarkResult): string {
  const row = (name: string, f: Figures) =>
    `${name.padEnd(34)}${String(f.requestsPerSecond).padStart(9)}${f.p50Ms.toFixed(2).padStart(9)}${f.p99Ms.toFixed(2).padStart(9)}${String(f.non2xx + f.errors).padStart(8)}${String(f.cpuMicrosPerRequest ?? '').padStart(12)}`;
  return [
    `reads: ${result.connections} connections, ${result.durationSeconds} s per run`,
    `${''.padEnd(34)}${'req/s'.padStart(9)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'errors'.padStart(8)}${'cpu µs/req'.padStart(12)}`,
    row('ceiling (express + ioredis GET)', result.ceiling),
    row('api (cache hit)', result.api),
    row(`api ${result.fixedRate.rate}/s (autocannon burst)`, result.fixedRate),
    row(`ceiling ${result.ceilingPaced.rate}/s (evenly paced)`, result.ceilingPaced),
    row(`api ${result.paced.rate}/s (evenly paced)`, result.paced),
    `ratio api/ceiling ${result.ratio} (target ≥ ${result.targets.ratio}: ${result.met.ratio ? 'met' : 'MISSED'}; by CPU per request ${result.cpuRatio}); ` +
      `p99 at ${result.paced.rate} req/s evenly paced ${result.paced.p99Ms} ms (target ≤ ${result.targets.p99Ms} ms: ${result.met.p99 ? 'met' : 'MISSED'})`,
  ].join('\n');
}

if (isMainModule(import.meta.url)) {
  const result = await runReadsBenchmark();
  process.stdout.write(`${formatReadsResult(result)}\n`);
}
