import os from 'node:os';
import { loadCatalogFile } from './catalog-source.js';
import type { Config } from './infra/config.js';
import type { AccessPolicy, CatalogFile } from './domain/index.js';
import { createDb, type Db } from './infra/db.js';
import { ReadReplicas } from './infra/replicas.js';
import { createLogger, type Logger } from './infra/logger.js';
import { createMetrics, type Metrics } from './infra/metrics.js';
import { closeQueues, openQueues, openQueueShards, type Queues, type ShardQueues } from './infra/queues.js';
import { closeRedis, createRedis, redisTarget, type Redis, type RedisRole } from './infra/redis.js';
import { closeStripe, createStripe, type Stripe } from './infra/stripe.js';
import { registerStateMetrics } from './infra/state-metrics.js';
import { createStripeRateLimiter } from './infra/stripe-rate-limit.js';
import { stripeCallBackoff } from './retry-policy.js';

/** What every process holds: configuration and its connections. Built once at start, closed at stop. */
export interface Context {
  config: Config;
  db: Db;
  /** Read replicas (DATABASE_REPLICA_URLS) with their lag; absent without replicas. Only reads that decide nothing use them. */
  replicas?: ReadReplicas | undefined;
  /** Commands (cache, pub) and queue producers. */
  redis: Redis;
  /**
   * Usage balance commands. In the api, a connection of its own whose commands of one event-loop
   * turn leave as one write: every consume sends a command or two, and under load the writes, not
   * Redis, are the cost. Elsewhere, `redis` itself.
   */
  balances: Redis;
  queues: Queues;
  /** The per-customer queues of every shard (QUEUE_SHARDS); shard 0's are those of `queues`. */
  shards: ShardQueues[];
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

/**
 * Every process spends one Stripe rate limit, shared across hosts through Redis: the api's calls
 * (checkout, portal, sync) from a reserved share, so a worker backlog never starves a user waiting
 * on a page, and workers and the command line from the rest.
 */
function stripeRateLimiter(config: Config, redis: Redis, role: ContextOptions['role']): () => Promise<number> {
  const limit = config.STRIPE_RATE_LIMIT_PER_SECOND;
  const apiShare = Math.max(1, Math.round(limit * config.STRIPE_API_RATE_SHARE));
  if (role !== 'api') return createStripeRateLimiter(redis, config.REDIS_PREFIX, Math.max(1, limit - apiShare));
  const acquire = createStripeRateLimiter(redis, `${config.REDIS_PREFIX}:api`, apiShare);
  // With Redis unreachable the api still serves checkouts: Stripe's own 429s (retried) then bound it.
  return () => acquire().catch(() => 0);
}

export function createContext(config: Config, options: ContextOptions): Context {
  const instance = `${os.hostname()}:${process.pid}`;
  const catalogFile = loadCatalogFile(config.CATALOG_FILE);
  const redis = createRedis(redisTarget(config), options.redisRole, `billing-${options.role}`);
  const balances = options.role === 'api' ? createRedis(redisTarget(config), options.redisRole, 'billing-api-balances', { autoPipelining: true }) : redis;
  const logger = createLogger({ level: config.LOG_LEVEL, service: options.role, silent: options.silentLogs ?? false, ...(config.LOG_FILE && { file: config.LOG_FILE }) });
  const queues = openQueues(config, redis);
  const shards = openQueueShards(config, redis, queues);
  const metrics = createMetrics({ role: options.role, instance });
  for (const queue of [...Object.values(queues), ...shards.slice(1).flatMap((shard) => Object.values(shard))]) queue.on('error', (error) => logger.warn('queue connection error', { queue: queue.name, error: error.message }));
  const db = createDb({
    url: config.DATABASE_URL,
    poolMax: config.DATABASE_POOL_MAX,
    applicationName: `billing-${options.role}`,
    idleInTransactionTimeoutMs: config.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    warn: (message) => logger.warn('database', { message }),
  });
  registerStateMetrics(metrics, { db, redis, queues });
  const replicas = config.DATABASE_REPLICA_URLS && options.role === 'api'
    ? new ReadReplicas(db, config.DATABASE_REPLICA_URLS, { maxLagMs: config.REPLICA_MAX_LAG_MS, poolMax: config.DATABASE_POOL_MAX, applicationName: 'billing-api-replica', warn: (message) => logger.warn('database replica', { message }) })
    : undefined;
  return {
    config,
    db,
    replicas,
    redis,
    balances,
    queues,
    shards,
    stripe: createStripe(config, {
      metrics,
      logger,
      acquire: stripeRateLimiter(config, redis, options.role),
      retries: config.STRIPE_MAX_NETWORK_RETRIES,
      backoff: stripeCallBackoff(config),
    }),
    logger,
    metrics,
    catalogFile,
    policy: { pastDueGraceHours: config.PAST_DUE_GRACE_HOURS, disputePolicy: config.DISPUTE_POLICY },
  };
}

export async function closeContext(context: Context): Promise<void> {
  await closeQueues(context.queues, context.shards);
  closeStripe(context.stripe);
  await Promise.allSettled([context.db.destroy(), closeRedis(context.redis), context.balances !== context.redis && closeRedis(context.balances), context.replicas?.stop()]);
}
