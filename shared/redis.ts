import { Redis, type RedisOptions } from 'ioredis';
import { unavailable } from './errors.js';

export type { Redis };

/**
 * Connection roles. BullMQ workers block on Redis and must retry forever (`maxRetriesPerRequest:
 * null`); producers on HTTP paths must fail fast so a request never hangs on a Redis outage.
 */
export type RedisRole = 'worker' | 'producer' | 'subscriber';

const roleOptions: Record<RedisRole, RedisOptions> = {
  worker: { maxRetriesPerRequest: null, enableReadyCheck: false },
  producer: { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000, commandTimeout: 2000 },
  subscriber: { maxRetriesPerRequest: null },
};

export function createRedis(url: string, role: RedisRole, name = `billing-${role}`): Redis {
  const redis = new Redis(url, {
    connectionName: name,
    lazyConnect: false,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    ...roleOptions[role],
  });
  // Connection errors are reported through readiness and metrics; an unhandled 'error' event would crash.
  redis.on('error', () => undefined);
  return redis;
}

/** Closes a connection politely, falling back to disconnect when Redis is unreachable. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  try {
    await Promise.race([redis.quit(), new Promise((_, reject) => setTimeout(() => reject(unavailable('redis_quit_timeout', 'quit timeout')), 1000))]);
  } catch {
    redis.disconnect();
  }
}

/** Waits (bounded) for the first connection, so fail-fast producers do not fail on their very first command. */
export async function waitForRedis(redis: Redis, ms: number): Promise<boolean> {
  if (redis.status === 'ready') return true;
  return new Promise((resolve) => {
    const done = (ready: boolean) => { clearTimeout(timer); redis.off('ready', onReady); resolve(ready); };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), ms);
    redis.once('ready', onReady);
  });
}
