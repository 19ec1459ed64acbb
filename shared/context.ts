import os from 'node:os';
import { loadCatalogFile } from './catalog-source.js';
import type { Config } from './config.js';
import type { AccessPolicy, CatalogFile } from './domain/index.js';
import { createDb, type Db } from './db.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { closeQueues, openQueues, type Queues } from './queues.js';
import { closeRedis, createRedis, type Redis, type RedisRole } from './redis.js';
import { closeStripe, createStripe, type Stripe } from './stripe.js';
import { registerStateMetrics } from './state-metrics.js';
import { createStripeRateLimiter } from './stripe-rate-limit.js';

/** What every process holds: configuration and its connections. Built once at start, closed at stop. */
export interface Context {
  config: Config;
  db: Db;
  /** Commands (cache, pub) and queue producers. */
  redis: Redis;
  queues: Queues;
  stripe: Stripe;
  logger: Logger;
  metrics: Metrics;
  /** The operator's catalog file, parsed at start (a bad file stops the process). */
  catalogFile: CatalogFile;
  policy: AccessPolicy;
}

export interface ContextOptions {
  role: 'api' | 'worker' | 'cli';
  /** api: producer (fail fast); workers: retry forever. */
  redisRole: RedisRole;
  silentLogs?: boolean;
}

export function createContext(config: Config, options: ContextOptions): Context {
  const instance = `${os.hostname()}:${process.pid}`;
  const catalogFile = loadCatalogFile(config.CATALOG_FILE);
  const redis = createRedis(config.REDIS_URL, options.redisRole, `billing-${options.role}`);
  const logger = createLogger({ level: config.LOG_LEVEL, service: options.role, silent: options.silentLogs ?? false, ...(config.LOG_FILE && { file: config.LOG_FILE }) });
  const queues = openQueues(config, redis);
  const metrics = createMetrics({ role: options.role, instance });
  for (const queue of Object.values(queues)) queue.on('error', (error) => logger.warn('queue connection error', { queue: queue.name, error: error.message }));
  const db = createDb({
    url: config.DATABASE_URL,
    poolMax: config.DATABASE_POOL_MAX,
    applicationName: `billing-${options.role}`,
    warn: (message) => logger.warn('database', { message }),
  });
  registerStateMetrics(metrics, { db, redis, queues });
  return {
    config,
    db,
    redis,
    queues,
    // Workers share one Stripe rate limit across hosts; the api's few calls (checkout) are not queued behind it.
    stripe: createStripe(config, {
      metrics,
      logger,
      ...(options.role !== 'api' && { acquire: createStripeRateLimiter(redis, config.REDIS_PREFIX, config.STRIPE_RATE_LIMIT_PER_SECOND) }),
    }),
    logger,
    metrics,
    catalogFile,
    policy: { pastDueGraceHours: config.PAST_DUE_GRACE_HOURS },
  };
}

export async function closeContext(context: Context): Promise<void> {
  await closeQueues(context.queues);
  closeStripe(context.stripe);
  await Promise.allSettled([context.db.destroy(), closeRedis(context.redis)]);
}
