import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { Redis } from 'ioredis';
import knex from 'knex';
import { createKey } from '../../shared/api-keys.js';
import { appendToLog } from '../../shared/notify/change-log.js';
import type { EntitlementsUpdated } from '../../shared/notify/entitlement-event.js';
import { LiveCopy } from '../../sdk/src/live-copy.js';
import { createBenchDatabase } from './support/database.js';
import { benchEnvironment } from './support/environment.js';
import { percentile, round } from './support/figures.js';
import { freePort, startChild, stopChild, waitForHttp } from './support/processes.js';
import { formatStreamLatency, measureStreamLatency, type StreamLatencyFigures } from './stream-latency.js';
import { deleteKeys } from './support/redis-keys.js';

/**
 * The event stream: one api process holding `clients` idle streams (its extra resident memory),
 * then every client dropped and reconnecting at once with Last-Event-ID after `missed` events were
 * appended (time until every client has the newest), and `has()` on a watched in-process copy;
 * first, in services of its own, webhook 2xx → event at a client (`latency`, see stream-latency.ts).
 */
export interface StreamBenchmarkResult {
  clients: number;
  idle: { rssBeforeMiB: number; rssAfterMiB: number; extraMiB: number };
  reconnect: { missed: number; allReachedLatestMs: number; p50Ms: number; p99Ms: number; reached: number };
  has: { p50Ns: number; p99Ns: number };
  latency: StreamLatencyFigures;
  targets: { extraMiB: number; reconnectMs: number; hasP99Ns: number; latencyP99Ms: number };
}

const clients = 2000;
const missed = 20;

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

function event(version: number): EntitlementsUpdated {
  const customer = { id: '00000000-0000-0000-0000-000000000001', stripe_customer_id: 'cus_bench', user_id: 'user_bench' };
  const entitlements = [{ feature: 'pro', value: true as const, sources: [{ kind: 'subscription' as const, id: 'sub_bench' }], expires_at: null }];
  return { id: `evt_bench_${version}`, type: 'entitlements.updated', created: new Date().toISOString(), data: { customer, version, entitlements, diff: { added: [], removed: [], changed: [] }, cause: { type: 'system', id: null } } };
}

/** Opens one stream; resolves once the head arrived; `seen(id)` resolves when a frame with that id arrives. */
function openStream(port: number, key: string, lastEventId?: string) {
  let buffer = '';
  const waiters = new Map<string, () => void>();
  let request: http.ClientRequest | undefined;
  const opened = new Promise<void>((resolve, reject) => {
    request = http.request({ host: '127.0.0.1', port, path: '/v1/stream', agent: false, headers: { authorization: `Bearer ${key}`, ...(lastEventId && { 'last-event-id': lastEventId }) } }, (response) => {
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer = (buffer + chunk).slice(-4096);
        for (const [id, done] of waiters) if (buffer.includes(`id: ${id}\n`)) { waiters.delete(id); done(); }
      });
      resolve();
    });
    request.on('error', reject);
    request.end();
  });
  return {
    opened,
    seen: (id: string) => (buffer.includes(`id: ${id}\n`) ? Promise.resolve() : new Promise<void>((resolve) => waiters.set(id, resolve))),
    close: () => request?.destroy(),
  };
}

export async function runStreamBenchmark(): Promise<StreamBenchmarkResult> {
  const latency = await measureStreamLatency();
  const database = await createBenchDatabase();
  const prefix = `{bench-stream-${randomBytes(4).toString('hex')}}`;
  const redis = new Redis(benchEnvironment.redisUrl);
  // While 2,000 sockets open, this process's event loop is busy: a slow (re)connect is not a failure.
  redis.on('error', () => undefined);
  const apiPort = await freePort();
  const api = startChild('api/main.ts', [], {
    NODE_ENV: 'production', DATABASE_URL: database.url, REDIS_URL: benchEnvironment.redisUrl, REDIS_PREFIX: prefix, LOG_LEVEL: 'warn',
    STRIPE_SECRET_KEY: 'sk_test_bench', STRIPE_WEBHOOK_SECRET: 'whsec_bench', PORT: String(apiPort), METRICS_PORT: '0', RECONCILE_SCHEDULES: 'false',
  });
  try {
    await waitForHttp(`http://127.0.0.1:${apiPort}/healthz`, 200, api.output, 60_000);
    const db = knex({ client: 'pg', connection: database.url, pool: { min: 0, max: 1 } });
    const { key } = await createKey(db, { name: 'bench-stream', scope: 'stream' }).finally(() => db.destroy());
    // One stream first, so the feed and its connection exist before the baseline.
    const first = openStream(apiPort, key);
    await first.opened;
    const rssBefore = await rssMiB(api.child.pid!);
    const streams = [];
    for (let index = 0; index < clients; index += 50) {
      const batch = Array.from({ length: Math.min(50, clients - index) }, () => openStream(apiPort, key));
      await Promise.all(batch.map((stream) => stream.opened));
      streams.push(...batch);
    }
    const [markId] = await appendToLog(redis, prefix, 24, [event(1)]);
    await Promise.all(streams.map((stream) => stream.seen(markId)));
    const rssAfter = await rssMiB(api.child.pid!);

    for (const stream of streams) stream.close();
    const ids = await appendToLog(redis, prefix, 24, Array.from({ length: missed }, (_, index) => event(index + 2)));
    const latest = ids[ids.length - 1];
    const started = performance.now();
    const times: number[] = [];
    const again = streams.map(() => openStream(apiPort, key, markId));
    await Promise.all(again.map(async (stream) => {
      await stream.seen(latest);
      times.push(performance.now() - started);
    }));
    const allMs = performance.now() - started;
    for (const stream of again) stream.close();
    first.close();
    times.sort((a, b) => a - b);

    const copy = new LiveCopy();
    copy.applyEvent(event(1));
    const samples: number[] = [];
    for (let index = 0; index < 200_000; index += 1) {
      const begin = process.hrtime.bigint();
      copy.entitlement('user_bench', 'pro');
      samples.push(Number(process.hrtime.bigint() - begin));
    }
    samples.sort((a, b) => a - b);
    return {
      clients,
      idle: { rssBeforeMiB: round(rssBefore, 1), rssAfterMiB: round(rssAfter, 1), extraMiB: round(rssAfter - rssBefore, 1) },
      reconnect: { missed, allReachedLatestMs: Math.round(allMs), p50Ms: Math.round(percentile(times, 50)), p99Ms: Math.round(percentile(times, 99)), reached: times.length },
      has: { p50Ns: percentile(samples, 50), p99Ns: percentile(samples, 99) },
      latency,
      targets: { extraMiB: 150, reconnectMs: 5000, hasP99Ns: 50_000, latencyP99Ms: 250 },
    };
  } finally {
    await stopChild(api.child);
    await deleteKeys(redis, prefix).catch(() => undefined);
    redis.disconnect();
    await database.drop();
  }
}

export function formatStreamResult(result: StreamBenchmarkResult): string {
  return [
    `idle streams: ${result.clients} held by one api process, +${result.idle.extraMiB} MiB resident (${result.idle.rssBeforeMiB} → ${result.idle.rssAfterMiB})`,
    `reconnect: ${result.reconnect.reached}/${result.clients} clients resumed with Last-Event-ID and had all ${result.reconnect.missed} missed events in ${result.reconnect.allReachedLatestMs} ms (p50 ${result.reconnect.p50Ms}, p99 ${result.reconnect.p99Ms})`,
    `has() on a watched copy: p50 ${result.has.p50Ns} ns, p99 ${result.has.p99Ns} ns`,
    formatStreamLatency(result.latency),
  ].join('\n');
}
