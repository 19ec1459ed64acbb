import { randomBytes } from 'node:crypto';
import autocannon, { type Result } from 'autocannon';
import { Redis } from 'ioredis';
import knex from 'knex';
import { isMainModule } from '../../shared/infra/lifecycle.js';
import { formatFreshness, measureFreshness, type FreshnessFigures } from './freshness.js';
import { createBenchDatabase } from './support/database.js';
import { benchEnvironment } from './support/environment.js';
import { round } from './support/figures.js';
import { cpuMs, freePort, startChild, stopChild, waitForHttp } from './support/processes.js';
import { deleteKeys } from './support/redis-keys.js';
import { signedEvent, webhookSecret as secret } from './support/signed-events.js';

/**
 * Webhook ingest against its ceiling, in one run: a bare verify + insert + add server and the real
 * `POST /webhooks/stripe` (validation, metrics, request log, error policy), each in its own
 * process, under the same saturating load of unique signed events. Then freshness
 * (freshness.ts), reported with it.
 */

export const ingestTargets = { ratio: 0.7, freshnessP99Ms: 250 };

interface IngestFigures { requestsPerSecond: number; p50Ms: number; p99Ms: number; non2xx: number; errors: number; cpuMicrosPerRequest: number }
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
  return [
    `ingest: ${result.connections} connections, ${result.durationSeconds} s per run, every event unique and signed`,
    `${''.padEnd(36)}${'events/s'.padStart(9)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'errors'.padStart(8)}${'cpu µs/ev'.padStart(12)}${'stored'.padStart(10)}`,
    row('ceiling (verify + insert + add)', result.ceiling, result.stored.ceiling),
    row('api POST /webhooks/stripe', result.api, result.stored.api),
    `ratio api/ceiling ${result.ratio} (target ≥ ${result.targets.ratio}: ${result.met.ratio ? 'met' : 'MISSED'}; by CPU per event ${result.cpuRatio})`,
    ...formatFreshness(result.freshness, result.targets.freshnessP99Ms, result.met.freshness),
  ].join('\n');
}

if (isMainModule(import.meta.url)) {
  const result = await runIngestBenchmark();
  process.stdout.write(`${formatIngestResult(result)}\n`);
}
