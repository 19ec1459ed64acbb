import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Stripe from 'stripe';
import { createKey } from '../../../shared/api-keys.js';
import type { Config } from '../../../shared/infra/config.js';
import { createDb, type Db } from '../../../shared/infra/db.js';
import { parseCatalogFile, type CatalogFile } from '../../../shared/domain/index.js';
import { closeQueues, openQueues, type Queues } from '../../../shared/infra/queues.js';
import { closeRedis, createRedis, type Redis } from '../../../shared/infra/redis.js';
import { createSimulator, type Simulator } from '../../../tools/stripe-sim/server.js';
import { catalogFile, testCatalog } from '../catalog.js';
import { testConfig, webhookSecret } from '../config.js';
import { createTestDatabase } from '../database.js';
import { childEnv, eventually, freePort } from '../processes.js';
import { redisInstance } from '../redis-instance.js';
import { tcpProxy } from '../tcp-proxy.js';
import type { ChaosProfile } from './profile.js';
import { Supervised } from './supervisor.js';

const seed = fileURLToPath(new URL('../../../tools/stripe-sim/seed.json', import.meta.url));

/** Everything a chaos run drives and observes; `close()` tears it all down. */
export interface ChaosStack {
  config: Config;
  sim: Simulator;
  /** The official client, pointed at the simulator (for the calls the simulator's ops do not offer). */
  stripe: Stripe;
  /** The operator's catalog file the api and workers were started with, parsed. */
  catalog: CatalogFile;
  apiUrl: string;
  readKey: string;
  api: Supervised;
  workers: Supervised[];
  /** Direct connections (not through the Postgres proxy) for the test's own checks. */
  db: Db;
  queues: Queues;
  /** The connection `queues` share, for reads BullMQ's API does not offer (event streams). */
  redis: Redis;
  stopRedis: () => Promise<void>;
  startRedis: () => Promise<void>;
  stopPostgres: () => Promise<void>;
  startPostgres: () => Promise<void>;
  /** True once `close()` began: whatever still drives the run must stop. */
  readonly closed: boolean;
  close: () => Promise<void>;
}


/**
 * Settings that make recovery quick enough for a test: short job locks, a fast relay, and the
 * default 8 attempts on a short backoff, so the run's Stripe outage outlasts the span of a job's
 * attempts (`retryHorizonMs`).
 */
const recovery = {
  JOB_LOCK_MS: '2000', RELAY_INTERVAL_MS: '1000', RELAY_AFTER_SECONDS: '3', JOB_BACKOFF_MS: '100', JOB_ATTEMPTS: '8',
  WORKER_CONCURRENCY: '6', DATABASE_POOL_MAX: '8', STRIPE_RATE_LIMIT_PER_SECOND: '1000', LOG_LEVEL: 'error',
  // Stripe's Retry-After (1 s) within what one call may wait, as with the production default (the
  // suite's faster 500 ms leaves every 429 to the job, and a 160-page catch-up then never finishes a pass).
  STRIPE_RETRY_MAX_MS: '5000',
};

/**
 * A private Redis, a database reached through a TCP proxy (so "Postgres" can go down for this run
 * only), the Stripe simulator, and the real api and two workers as child processes.
 */
export async function startChaosStack(profile: ChaosProfile, randomSeed: number): Promise<ChaosStack> {
  // Undone in reverse order by close(), or at once if starting fails half-way.
  const cleanups: (() => Promise<unknown>)[] = [];
  const undo = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    const redis = await redisInstance();
    cleanups.push(redis.stop);
    const database = await createTestDatabase();
    cleanups.push(database.drop);
    const proxy = await tcpProxy(Number(new URL(database.url).port));
    cleanups.push(proxy.close);
    const proxied = new URL(database.url);
    proxied.port = String(proxy.port);
    const db = createDb({ url: database.url, poolMax: 4 });
    cleanups.push(() => db.destroy());
    const sim = await createSimulator({ seed, randomSeed });
    const port = await freePort();
    const catalogPath = catalogFile(testCatalog);
    const config = {
      ...testConfig(proxied.toString(), { ...recovery, STRIPE_API_BASE: sim.url, CATALOG_FILE: catalogPath, PORT: String(port) }),
      REDIS_URL: redis.url,
    };
    const observer: Redis = createRedis(redis.url, 'worker', 'chaos-observer');
    cleanups.push(() => closeRedis(observer));
    const queues = openQueues(config, observer);
    cleanups.push(() => closeQueues(queues));
    // The observer waits out the Redis restart like a worker; its connection errors are expected then.
    for (const queue of Object.values(queues)) queue.on('error', () => undefined);
    const readKey = (await createKey(db, { name: 'chaos-reads', scope: 'read' })).key;

    const env = childEnv({ ...config, METRICS_PORT: 0 });
    const api = new Supervised('api/main.ts', env);
    const workers = [new Supervised('workers/main.ts', env), new Supervised('workers/main.ts', env)];
    cleanups.push(() => Promise.all([api, ...workers].map((child) => child.stop())));
    cleanups.push(() => sim.close());
    const apiUrl = `http://127.0.0.1:${port}`;
    await eventually(async () => (await fetch(`${apiUrl}/healthz`)).ok, 60_000, 200);
    sim.webhooks.configure({
      url: `${apiUrl}/webhooks/stripe`, secret: webhookSecret, baseDelayMs: 250, maxAttempts: 10, timeoutMs: 15_000,
      chaos: { duplicatePercent: profile.duplicatePercent, dropPercent: profile.dropPercent, reorderWindowMs: profile.reorderWindowMs, reorderBatch: profile.reorderBatch },
    });

    let closed = false;
    return {
      get closed() { return closed; },
      config, sim, stripe: new Stripe('sk_test_chaos', sim.stripeConfig), catalog: parseCatalogFile(readFileSync(catalogPath, 'utf8')),
      apiUrl, readKey, api, workers, db, queues, redis: observer,
      stopRedis: redis.stop, startRedis: redis.start, stopPostgres: proxy.stop, startPostgres: proxy.start,
      async close() {
        closed = true;
        await undo();
      },
    };
  } catch (error) {
    await undo();
    throw error;
  }
}
