import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import autocannon, { type Result } from 'autocannon';
import { Redis } from 'ioredis';
import knex from 'knex';
import Stripe from 'stripe';
import { createKey } from '../../shared/api-keys.js';
import { cacheKeys } from '../../shared/entitlements/cache-keys.js';
import { isMainModule } from '../../shared/lifecycle.js';
import { stripeApiVersion } from '../../shared/stripe.js';
import { createBenchDatabase } from './support/database.js';
import { benchEnvironment } from './support/environment.js';
import { cpuMs, freePort, projectRoot, startChild, stopChild, waitForHttp } from './support/processes.js';
import { deleteKeys } from './support/redis-keys.js';
import { seedSubscriptions, startSimulator } from './support/simulator.js';

/**
 * Webhook ingest against its ceiling, in one run: a bare verify + insert + add server and the real
 * `POST /webhooks/stripe` (validation, metrics, request log, error policy), each in its own
 * process, under the same saturating load of unique signed events. Then freshness: signed
 * `customer.subscription.created` events at an even 100/s to the api with workers running against
 * the local Stripe simulator, and for each the time from the 2xx to the read API answering with
 * the entitlement it grants.
 */

export const ingestTargets = { ratio: 0.7, freshnessP99Ms: 250 };

interface IngestFigures { requestsPerSecond: number; p50Ms: number; p99Ms: number; non2xx: number; errors: number; cpuMicrosPerRequest: number }
/**
 * `readsPerEvent`: entitlement reads the measurement made per event. `cpuMsPerEvent`: CPU each process used while events were sent and awaited, per
 * event (`services`: Postgres and Redis; `machine`: every process, this one included).
 */
export interface FreshnessFigures {
  rate: number; events: number; readable: number; p50Ms: number; p99Ms: number; maxMs: number; non2xx: number; readsPerEvent: number;
  cpuMsPerEvent: Record<string, number>;
}
export interface IngestBenchmarkResult {
  connections: number;
  durationSeconds: number;
  ceiling: IngestFigures;
  api: IngestFigures;
  /** api events/s ÷ ceiling events/s; target ≥ 0.7. */
  ratio: number;
  /** ceiling CPU per event ÷ api CPU per event: the same comparison, robust to a busy host. */
  cpuRatio: number;
  /** Inbox rows written by each (every accepted event must be there). */
  stored: { ceiling: number; api: number };
  freshness: FreshnessFigures;
  targets: typeof ingestTargets;
  met: { ratio: boolean; freshness: boolean };
}

const connections = 50;
const durationSeconds = 10;
const freshnessRate = 100;
const freshnessSeconds = 10;
const sweepMs = 1000;
const secret = `whsec_bench_${randomBytes(8).toString('hex')}`;
const signer = new Stripe('sk_test_bench');

const round = (value: number, places = 2) => Math.round(value * 10 ** places) / 10 ** places;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** A signed `customer.updated` event with a fresh id: a handled type, so the api records and enqueues it. */
function signedEvent(object: Record<string, unknown>, type = 'customer.updated'): { body: string; signature: string } {
  const body = JSON.stringify({
    id: `evt_${randomBytes(12).toString('hex')}`, object: 'event', type, api_version: stripeApiVersion,
    created: Math.floor(Date.now() / 1000), livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, data: { object },
  });
  return { body, signature: signer.webhooks.generateTestHeaderString({ payload: body, secret }) };
}

/** Saturating load of unique signed events; returns the figures and the server's CPU per request. */
async function ingestLoad(url: string, pid: number | undefined, seconds: number): Promise<IngestFigures> {
  const customer = { id: 'cus_benchingest', object: 'customer', email: 'bench@example.com', metadata: {} };
  const before = await cpuMs(pid);
  const result: Result = await autocannon({
    url, connections, duration: seconds,
    requests: [{
      method: 'POST', path: '/webhooks/stripe',
      setupRequest: (request) => {
        const { body, signature } = signedEvent(customer);
        return { ...request, body, headers: { 'content-type': 'application/json', 'stripe-signature': signature } };
      },
    }],
  });
  const used = (await cpuMs(pid)) - before;
  return {
    requestsPerSecond: Math.round(result.requests.average), p50Ms: result.latency.p50, p99Ms: result.latency.p99,
    non2xx: result.non2xx, errors: result.errors, cpuMicrosPerRequest: Math.round((used * 1000) / result.requests.total),
  };
}

async function countEvents(db: knex.Knex): Promise<number> {
  const [row] = await db('stripe_events').count<{ count: string }[]>({ count: '*' });
  return Number(row?.count ?? 0);
}

/** Ceiling and api, same load, fresh databases each, one after the other. */
async function measureIngest(): Promise<Pick<IngestBenchmarkResult, 'ceiling' | 'api' | 'ratio' | 'cpuRatio' | 'stored'>> {
  const ceilingDb = await createBenchDatabase();
  const apiDb = await createBenchDatabase();
  const prefix = `{bench-ingest-${randomBytes(4).toString('hex')}}`;
  const redis = new Redis(benchEnvironment.redisUrl);
  const children: Parameters<typeof stopChild>[0][] = [];
  try {
    const ceilingPort = await freePort();
    const ceiling = startChild('tools/bench/support/ingest-ceiling-server.ts', [String(ceilingPort), ceilingDb.url, benchEnvironment.redisUrl, `${prefix}c`, secret], { NODE_ENV: 'production' });
    children.push(ceiling.child);
    const apiPort = await freePort();
    const api = startChild('api/main.ts', [], {
      NODE_ENV: 'production', DATABASE_URL: apiDb.url, REDIS_URL: benchEnvironment.redisUrl, REDIS_PREFIX: `${prefix}a`,
      PORT: String(apiPort), METRICS_PORT: '0', LOG_LEVEL: 'warn', STRIPE_SECRET_KEY: 'sk_test_bench', STRIPE_WEBHOOK_SECRET: secret,
    });
    children.push(api.child);
    await waitForHttp(`http://127.0.0.1:${apiPort}/healthz`, 200, api.output, 60_000);
    for (let attempt = 0; ; attempt += 1) {
      const { body, signature } = signedEvent({ id: 'cus_warm', object: 'customer' });
      const answer = await fetch(`http://127.0.0.1:${ceilingPort}/webhooks/stripe`, { method: 'POST', body, headers: { 'stripe-signature': signature } }).catch(() => undefined);
      if (answer?.status === 200) break;
      if (attempt > 200) throw new Error(`the ceiling server did not start:\n${ceiling.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const ceilingUrl = `http://127.0.0.1:${ceilingPort}`;
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    // Warm both (JIT, pools), then measure with the same load.
    await ingestLoad(ceilingUrl, ceiling.child.pid, 2);
    await ingestLoad(apiUrl, api.child.pid, 2);
    const ceilingRun = await ingestLoad(ceilingUrl, ceiling.child.pid, durationSeconds);
    const apiRun = await ingestLoad(apiUrl, api.child.pid, durationSeconds);
    const count = async (url: string) => {
      const db = knex({ client: 'pg', connection: url, pool: { min: 0, max: 1 } });
      try { return await countEvents(db); } finally { await db.destroy(); }
    };
    return {
      ceiling: ceilingRun, api: apiRun,
      ratio: round(apiRun.requestsPerSecond / ceilingRun.requestsPerSecond),
      cpuRatio: round(ceilingRun.cpuMicrosPerRequest / apiRun.cpuMicrosPerRequest),
      stored: { ceiling: await count(ceilingDb.url), api: await count(apiDb.url) },
    };
  } finally {
    await Promise.all(children.map(stopChild));
    await deleteKeys(redis, prefix);
    redis.disconnect();
    await Promise.all([ceilingDb.drop(), apiDb.drop()]);
  }
}

/** CPU used so far (ms) by the given processes, Postgres and Redis together, this process and the whole machine. */
async function cpuByProcess(pids: Record<string, number | undefined>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) out[name] = await cpuMs(pid);
  let services = 0;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const command = await readFile(`/proc/${entry}/comm`, 'utf8').catch(() => '');
    if (/^(postgres|redis-server)/.test(command)) services += (await cpuMs(Number(entry))) || 0;
  }
  out.services = services;
  const usage = process.cpuUsage();
  out.generator = (usage.user + usage.system) / 1000;
  // /proc/stat's first line: user nice system idle iowait irq softirq … in 1/100 s.
  const ticks = (await readFile('/proc/stat', 'utf8')).split('\n')[0]?.split(/\s+/).slice(1).map(Number) ?? [];
  out.machine = ((ticks[0] ?? 0) + (ticks[1] ?? 0) + (ticks[2] ?? 0) + (ticks[5] ?? 0) + (ticks[6] ?? 0)) * 10;
  return out;
}

/** Freshness at an even rate: 2xx of the webhook → the read API grants `pro`. */
async function measureFreshness(): Promise<FreshnessFigures> {
  const database = await createBenchDatabase();
  const prefix = `{bench-fresh-${randomBytes(4).toString('hex')}}`;
  const redis = new Redis(benchEnvironment.redisUrl);
  const children: Parameters<typeof stopChild>[0][] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  try {
    const sim = await startSimulator();
    children.push(sim.child);
    const simUrl = sim.url;
    const env = {
      NODE_ENV: 'production', DATABASE_URL: database.url, REDIS_URL: benchEnvironment.redisUrl, REDIS_PREFIX: prefix, LOG_LEVEL: 'warn',
      STRIPE_SECRET_KEY: 'sk_test_bench', STRIPE_WEBHOOK_SECRET: secret, STRIPE_API_BASE: simUrl, RECONCILE_SCHEDULES: 'false',
      // The simulator is local: the shared rate limit must not be what the figure measures.
      STRIPE_RATE_LIMIT_PER_SECOND: '1000', CATALOG_FILE: path.join(projectRoot, 'catalog.example.json'),
    };
    const apiPort = await freePort();
    const api = startChild('api/main.ts', [], { ...env, PORT: String(apiPort), METRICS_PORT: '0' });
    children.push(api.child);
    const workerPort = await freePort();
    const worker = startChild('workers/main.ts', [], { ...env, METRICS_PORT: String(workerPort) });
    children.push(worker.child);
    await waitForHttp(`http://127.0.0.1:${apiPort}/healthz`, 200, api.output, 60_000);
    await waitForHttp(`http://127.0.0.1:${workerPort}/readyz`, 200, worker.output, 60_000);
    const db = knex({ client: 'pg', connection: database.url, pool: { min: 0, max: 1 } });
    const { key } = await createKey(db, { name: 'bench-freshness', scope: 'read' }).finally(() => db.destroy());
    const total = freshnessRate * freshnessSeconds;
    const subscriptions = await seedSubscriptions(simUrl, total);

    const request = (method: string, url: string, headers: Record<string, string>, body?: string) => new Promise<{ status: number; text: string }>((resolve, reject) => {
      const outgoing = http.request(url, { method, agent, headers }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => { text += chunk; });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });
    const readable = async (customer: string) => {
      const answer = await request('GET', `http://127.0.0.1:${apiPort}/v1/customers/${customer}/entitlements`, { authorization: `Bearer ${key}` });
      return answer.status === 200 && answer.text.includes('"pro"');
    };
    // The observer reads a customer when the service announces its invalidation (the message every
    // api process also receives), retrying a few times 5 ms apart while the api applies it; a sweep
    // every `sweepMs` re-reads whoever is still waiting, so a missed message costs resolution, not
    // a result. About one read per event: the measurement adds little load of its own.
    const latencies: number[] = [];
    const waiting = new Map<string, number>();
    const reading = new Set<string>();
    let non2xx = 0;
    let reads = 0;
    const check = async (customer: string, tries: number) => {
      if (reading.has(customer)) return;
      reading.add(customer);
      try {
        for (let attempt = 0; attempt < tries; attempt += 1) {
          const acknowledged = waiting.get(customer);
          if (acknowledged === undefined) return;
          reads += 1;
          if (await readable(customer)) {
            latencies.push(performance.now() - acknowledged);
            waiting.delete(customer);
            return;
          }
          if (performance.now() - acknowledged > 30_000) { waiting.delete(customer); return; }
          if (attempt + 1 < tries) await new Promise((resolve) => setTimeout(resolve, 5));
        }
      } finally {
        reading.delete(customer);
      }
    };
    const subscriber = new Redis(benchEnvironment.redisUrl);
    subscriber.on('error', (error: Error) => process.stderr.write(`freshness observer: Redis ${error.message}\n`));
    subscriber.on('message', (_channel: string, message: string) => {
      for (const ref of JSON.parse(message) as string[]) if (waiting.has(ref)) void check(ref, 10);
    });
    await subscriber.subscribe(cacheKeys.channel(prefix));
    let driving = true;
    const sweeper = (async () => {
      while (driving || waiting.size > 0) {
        await new Promise((resolve) => setTimeout(resolve, sweepMs));
        const due = [...waiting.keys()];
        for (let next = 0; next < due.length; next += 4) await Promise.all(due.slice(next, next + 4).map((customer) => check(customer, 1)));
      }
    })();
    const one = async (subscription: Stripe.Subscription) => {
      const { body, signature } = signedEvent(subscription as unknown as Record<string, unknown>, 'customer.subscription.created');
      const answer = await request('POST', `http://127.0.0.1:${apiPort}/webhooks/stripe`, { 'content-type': 'application/json', 'stripe-signature': signature }, body);
      if (answer.status !== 200) { non2xx += 1; return; }
      waiting.set(typeof subscription.customer === 'string' ? subscription.customer : subscription.customer.id, performance.now());
    };
    const cpuBefore = await cpuByProcess({ worker: worker.child.pid, api: api.child.pid, simulator: sim.child.pid });
    const started = performance.now();
    const pending: Promise<void>[] = [];
    for (let index = 0; index < total; index += 1) {
      const due = started + (index * 1000) / freshnessRate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const subscription = subscriptions[index];
      if (subscription) pending.push(one(subscription));
    }
    await Promise.all(pending);
    driving = false;
    await sweeper;
    subscriber.disconnect();
    const cpuAfter = await cpuByProcess({ worker: worker.child.pid, api: api.child.pid, simulator: sim.child.pid });
    const sorted = latencies.sort((a, b) => a - b);
    return {
      rate: freshnessRate, events: total, readable: sorted.length, non2xx,
      p50Ms: round(percentile(sorted, 50), 1), p99Ms: round(percentile(sorted, 99), 1), maxMs: round(sorted.at(-1) ?? Number.NaN, 1),
      readsPerEvent: round(reads / total, 1),
      cpuMsPerEvent: Object.fromEntries(Object.entries(cpuAfter).map(([name, ms]) => [name, round((ms - (cpuBefore[name] ?? 0)) / total, 1)])),
    };
  } finally {
    agent.destroy();
    await Promise.all(children.map(stopChild));
    await deleteKeys(redis, prefix);
    redis.disconnect();
    await database.drop();
  }
}

export async function runIngestBenchmark(): Promise<IngestBenchmarkResult> {
  const ingest = await measureIngest();
  const freshness = await measureFreshness();
  return {
    connections, durationSeconds, ...ingest, freshness, targets: ingestTargets,
    met: {
      ratio: ingest.ratio >= ingestTargets.ratio,
      freshness: freshness.readable === freshness.events && freshness.p99Ms <= ingestTargets.freshnessP99Ms,
    },
  };
}

export function formatIngestResult(result: IngestBenchmarkResult): string {
  const row = (name: string, f: IngestFigures, stored: number) =>
    `${name.padEnd(36)}${String(f.requestsPerSecond).padStart(9)}${f.p50Ms.toFixed(2).padStart(9)}${f.p99Ms.toFixed(2).padStart(9)}${String(f.non2xx + f.errors).padStart(8)}${String(f.cpuMicrosPerRequest).padStart(12)}${String(stored).padStart(10)}`;
  const { freshness: f } = result;
  return [
    `ingest: ${result.connections} connections, ${result.durationSeconds} s per run, every event unique and signed`,
    `${''.padEnd(36)}${'events/s'.padStart(9)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'errors'.padStart(8)}${'cpu µs/ev'.padStart(12)}${'stored'.padStart(10)}`,
    row('ceiling (verify + insert + add)', result.ceiling, result.stored.ceiling),
    row('api POST /webhooks/stripe', result.api, result.stored.api),
    `ratio api/ceiling ${result.ratio} (target ≥ ${result.targets.ratio}: ${result.met.ratio ? 'met' : 'MISSED'}; by CPU per event ${result.cpuRatio})`,
    `freshness at ${f.rate} events/s for ${f.events} events: ${f.readable} readable, p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms, max ${f.maxMs} ms, ${f.readsPerEvent} reads per event ` +
      `(target p99 ≤ ${result.targets.freshnessP99Ms} ms: ${result.met.freshness ? 'met' : 'MISSED'})`,
    `  CPU ms per event meanwhile: ${Object.entries(f.cpuMsPerEvent).map(([name, ms]) => `${name} ${ms}`).join(', ')} (${availableParallelism()} cores give ${(availableParallelism() * 1000) / f.rate} ms per event at ${f.rate}/s)`,
  ].join('\n');
}

if (isMainModule(import.meta.url)) {
  const result = await runIngestBenchmark();
  process.stdout.write(`${formatIngestResult(result)}\n`);
}
