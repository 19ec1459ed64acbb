import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon, { type Request, type Result } from 'autocannon';
import knex from 'knex';
import { createKey } from '../../shared/api-keys.js';
import { isMainModule } from '../../shared/infra/lifecycle.js';
import { createBenchDatabase } from './support/database.js';
import { benchEnvironment } from './support/environment.js';
import { pacedLoad } from './support/paced-load.js';
import { cpuMs, freePort, startChild, stopChild, waitForHttp } from './support/processes.js';

/**
 * Usage consumption against its ceiling, in one run: a bare Express 5 + one Redis Lua call +
 * batched Postgres insert server, and the real api (auth, entitlement lookup, atomic admission with
 * idempotency, group-committed ledger write). Then the api evenly paced at 1,000 consumes/s, and
 * one hot (customer, feature) with a finite allowance: its rate and whether admission was exact.
 */
export interface UsageFigures { requestsPerSecond: number; p50Ms: number; p99Ms: number; non2xx: number; errors: number; cpuMicrosPerRequest?: number }
export interface UsageBenchmarkResult {
  connections: number; durationSeconds: number;
  /** The median round's figures (by ratio); every round's api/ceiling ratio beside. */
  ceiling: UsageFigures; api: UsageFigures; ratio: number; cpuRatio: number; roundRatios: number[];
  paced: UsageFigures & { rate: number };
  /** The ceiling server at the same paced rate: the tail the machine itself sets. */
  ceilingPaced: UsageFigures & { rate: number };
  hot: { requests: number; allowance: number; admitted: number; ledgerRows: number; perSecond: number; exact: boolean };
  targets: { ratio: number; p99Ms: number; hotPerSecond: number };
  met: { ratio: boolean; p99: boolean; hot: boolean };
}

const connections = 50;
const durationSeconds = 10;
/**
 * Throughput is compared in alternating rounds (ceiling, api, ceiling, api, …) after a warm-up of
 * each, and the median round is reported: on 2 shared cores one 10 s window moves by a third from
 * run to run, and the api's first seconds still pay for compiling its hot code.
 */
const rounds = 3;
const roundSeconds = 6;
const warmUpSeconds = 5;
const rate = 1000;
const targets = { ratio: 0.7, p99Ms: 10, hotPerSecond: 1000 };

const consumeBody = () => JSON.stringify({ feature: 'api_calls', amount: 1, idempotency_key: randomBytes(9).toString('base64url') });
const fresh: Request = { method: 'POST', setupRequest: (request) => ({ ...request, body: consumeBody() }) };

function figures(result: Result): UsageFigures {
  return { requestsPerSecond: Math.round(result.requests.average), p50Ms: result.latency.p50, p99Ms: result.latency.p99, non2xx: result.non2xx, errors: result.errors };
}

async function measure(url: string, headers: Record<string, string>, pid: number | undefined, duration = durationSeconds): Promise<UsageFigures> {
  const before = await cpuMs(pid);
  const result = await autocannon({ url, headers: { ...headers, 'content-type': 'application/json' }, connections, duration, requests: [fresh] });
  const used = (await cpuMs(pid)) - before;
  return { ...figures(result), cpuMicrosPerRequest: Math.round((used * 1000) / result.requests.total) };
}

/** Evenly paced POSTs, latency from each request's due time (as the reads benchmark's paced load). */
async function pacedPosts(url: string, headers: Record<string, string>): Promise<UsageFigures & { rate: number }> {
  const result = await pacedLoad(url, headers, rate, durationSeconds, connections, consumeBody);
  return { requestsPerSecond: result.achievedRate, p50Ms: result.p50Ms, p99Ms: result.p99Ms, non2xx: result.non2xx, errors: result.errors, rate };
}

async function seedCustomer(db: knex.Knex, ref: string, allowance: number): Promise<string> {
  const [customer] = await db('customers').insert({ stripe_customer_id: ref, user_id: `user_${ref}` }).returning<{ id: string }[]>('id');
  if (!customer) throw new Error('customer insert returned no row');
  const features = [{ feature: 'api_calls', value: allowance, sources: [{ kind: 'grant', id: 'b0d7c0de-0000-4000-8000-000000000002' }], expires_at: null }];
  await db('entitlements').insert({ customer_id: customer.id, features: JSON.stringify(features), next_change_at: null, computed_at: new Date() });
  return customer.id;
}

export async function runUsageBenchmark(): Promise<UsageBenchmarkResult> {
  const prefix = `{bench-${randomBytes(4).toString('hex')}}`;
  const database = await createBenchDatabase();
  const catalog = path.join(os.tmpdir(), `bench-usage-catalog-${randomBytes(4).toString('hex')}.json`);
  writeFileSync(catalog, JSON.stringify({ features: { api_calls: { metered: true, reset: 'month', overage: 'reject' } }, plans: [] }));
  const children: Parameters<typeof stopChild>[0][] = [];
  const db = knex({ client: 'pg', connection: database.url, pool: { min: 0, max: 2 } });
  try {
    const bulkId = await seedCustomer(db, 'cus_benchusage', 1_000_000_000);
    const hotAllowance = 5000;
    const hotId = await seedCustomer(db, 'cus_benchhot', hotAllowance);
    const { key } = await createKey(db, { name: 'bench-usage', scope: 'write' });
    const auth = { authorization: `Bearer ${key}` };

    const ceilingPort = await freePort();
    const ceiling = startChild('tools/bench/support/usage-ceiling-server.ts', [String(ceilingPort), benchEnvironment.redisUrl, database.url, bulkId], { NODE_ENV: 'production' });
    children.push(ceiling.child);
    const apiPort = await freePort();
    const api = startChild('api/main.ts', [], {
      NODE_ENV: 'production', DATABASE_URL: database.url, REDIS_URL: benchEnvironment.redisUrl, REDIS_PREFIX: prefix, CATALOG_FILE: catalog,
      PORT: String(apiPort), METRICS_PORT: '0', LOG_LEVEL: 'warn', STRIPE_SECRET_KEY: 'sk_test_bench', STRIPE_WEBHOOK_SECRET: 'whsec_bench',
    });
    children.push(api.child);
    await waitForHttp(`http://127.0.0.1:${apiPort}/healthz`, 200, api.output);
    const ceilingUrl = `http://127.0.0.1:${ceilingPort}/v1/customers/cus_benchusage/usage`;
    const apiUrl = `http://127.0.0.1:${apiPort}/v1/customers/cus_benchusage/usage`;
    const check = await fetch(apiUrl, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: consumeBody() });
    if (check.status !== 200) throw new Error(`the api answered ${check.status}: ${await check.text()}`);

    await measure(ceilingUrl, {}, ceiling.child.pid, warmUpSeconds);
    await measure(apiUrl, auth, api.child.pid, warmUpSeconds);
    const runs: { ceiling: UsageFigures; api: UsageFigures; ratio: number }[] = [];
    for (let round = 0; round < rounds; round += 1) {
      const ceilingRound = await measure(ceilingUrl, {}, ceiling.child.pid, roundSeconds);
      const apiRound = await measure(apiUrl, auth, api.child.pid, roundSeconds);
      runs.push({ ceiling: ceilingRound, api: apiRound, ratio: Math.round((apiRound.requestsPerSecond / ceilingRound.requestsPerSecond) * 100) / 100 });
    }
    const median = [...runs].sort((a, b) => a.ratio - b.ratio)[Math.floor(rounds / 2)];
    if (!median) throw new Error('no throughput round ran');
    const { ceiling: ceilingRun, api: apiRun, ratio } = median;
    const ceilingPaced = await pacedPosts(ceilingUrl, {});
    const paced = await pacedPosts(apiUrl, auth);

    // One hot (customer, feature): twice its allowance in requests of 1, as fast as they come.
    const hotUrl = `http://127.0.0.1:${apiPort}/v1/customers/cus_benchhot/usage`;
    const hotRequests = hotAllowance * 2;
    const started = performance.now();
    const hotRun = await autocannon({ url: hotUrl, headers: { ...auth, 'content-type': 'application/json' }, connections, amount: hotRequests, requests: [fresh] });
    const seconds = (performance.now() - started) / 1000;
    const [rows] = await db('usage_ledger').where({ customer_id: hotId }).count<{ n: string }[]>({ n: '*' });
    const ledgerRows = Number(rows?.n ?? 0);
    const hot = { requests: hotRequests, allowance: hotAllowance, admitted: hotRun['2xx'], ledgerRows, perSecond: Math.round(hotRequests / seconds), exact: hotRun['2xx'] === hotAllowance && ledgerRows === hotAllowance };

    const cpuRatio = Math.round(((ceilingRun.cpuMicrosPerRequest ?? Number.NaN) / (apiRun.cpuMicrosPerRequest ?? Number.NaN)) * 100) / 100;
    return {
      connections, durationSeconds, ceiling: ceilingRun, api: apiRun, ratio, cpuRatio, roundRatios: runs.map((run) => run.ratio), paced, ceilingPaced, hot, targets,
      met: { ratio: ratio >= targets.ratio, p99: paced.p99Ms <= targets.p99Ms, hot: hot.exact && hot.perSecond >= targets.hotPerSecond },
    };
  } finally {
    await Promise.all(children.map(stopChild));
    await db.destroy();
    await database.drop();
  }
}

export function formatUsageResult(result: UsageBenchmarkResult): string {
  const row = (name: string, f: UsageFigures) =>
    `${name.padEnd(40)}${String(f.requestsPerSecond).padStart(9)}${f.p50Ms.toFixed(2).padStart(9)}${f.p99Ms.toFixed(2).padStart(9)}${String(f.non2xx + f.errors).padStart(8)}${String(f.cpuMicrosPerRequest ?? '').padStart(12)}`;
  return [
    `usage: ${result.connections} connections; throughput: the median of ${result.roundRatios.length} alternating ${roundSeconds} s rounds after a ${warmUpSeconds} s warm-up of each ` +
      `(api/ceiling per round: ${result.roundRatios.join(', ')}); paced: ${result.durationSeconds} s`,
    `${''.padEnd(40)}${'req/s'.padStart(9)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'errors'.padStart(8)}${'cpu µs/req'.padStart(12)}`,
    row('ceiling (express + Lua + batched insert)', result.ceiling),
    row('api consume', result.api),
    row(`ceiling ${result.ceilingPaced.rate}/s (evenly paced)`, result.ceilingPaced),
    row(`api ${result.paced.rate}/s (evenly paced)`, result.paced),
    `ratio api/ceiling ${result.ratio} (target ≥ ${result.targets.ratio}: ${result.met.ratio ? 'met' : 'MISSED'}; by CPU per request ${result.cpuRatio}); ` +
      `p99 at ${result.paced.rate}/s ${result.paced.p99Ms} ms (target ≤ ${result.targets.p99Ms} ms: ${result.met.p99 ? 'met' : 'MISSED'})`,
    `hot (customer, feature): ${result.hot.requests} requests of 1 against ${result.hot.allowance} at ${result.hot.perSecond}/s; admitted ${result.hot.admitted}, ledger rows ${result.hot.ledgerRows} ` +
      `(exact: ${result.hot.exact ? 'yes' : 'NO'}; target ≥ ${result.targets.hotPerSecond}/s: ${result.met.hot ? 'met' : 'MISSED'})`,
  ].join('\n');
}

if (isMainModule(import.meta.url)) {
  const result = await runUsageBenchmark();
  process.stdout.write(`${formatUsageResult(result)}\n`);
}
