import os from 'node:os';
import type { Config } from './config.js';
import { createDb, type Db } from './db.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { closeQueues, openQueues, type Queues } from './queues.js';
import { closeRedis, createRedis, type Redis, type RedisRole } from './redis.js';
import { createStripe, type Stripe } from './stripe.js';

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
}

export interface ContextOptions {
  role: 'api' | 'worker' | 'cli';
  /** api: producer (fail fast); workers: retry forever. */
  redisRole: RedisRole;
  silentLogs?: boolean;
}

export function createContext(config: Config, options: ContextOptions): Context {
  const instance = `${os.hostname()}:${process.pid}`;
  const redis = createRedis(config.REDIS_URL, options.redisRole, `billing-${options.role}`);
  const logger = createLogger({ level: config.LOG_LEVEL, service: options.role, silent: options.silentLogs ?? false });
  const queues = openQueues(config, redis);
  for (const queue of Object.values(queues)) queue.on('error', (error) => logger.warn('queue connection error', { queue: queue.name, error: error.message }));
  return {
    config,
    db: createDb({
      url: config.DATABASE_URL,
      poolMax: config.DATABASE_POOL_MAX,
      applicationName: `billing-${options.role}`,
      warn: (message) => logger.warn('database', { message }),
    }),
    redis,
    queues,
    stripe: createStripe(config),
    logger,
    metrics: createMetrics({ role: options.role, instance }),
  };
}

export async function closeContext(context: Context): Promise<void> {
  await closeQueues(context.queues);
  await Promise.allSettled([context.db.destroy(), closeRedis(context.redis)]);
}
