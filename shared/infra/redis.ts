import { Cluster, Redis as SingleRedis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { unavailable } from '../errors.js';

/** A connection to Redis: one server (directly or found through Sentinel) or a Redis Cluster. */
export type Redis = SingleRedis | Cluster;

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

export interface RedisNode { host: string; port: number }

/**
 * Where Redis is: a URL (one server), Sentinels and the name of the master they watch, or the
 * seed nodes of a Redis Cluster. Built from the configuration by {@link redisTarget}.
 */
export type RedisTarget =
  | { kind: 'single'; url: string }
  | { kind: 'sentinel'; sentinels: RedisNode[]; name: string; url?: string }
  | { kind: 'cluster'; nodes: RedisNode[]; url?: string };

/** The settings that say where Redis is (see shared/infra/config.ts). */
export interface RedisSettings {
  REDIS_URL?: string | undefined;
  /** `host:port` entries. */
  REDIS_CLUSTER_NODES?: readonly string[] | undefined;
  REDIS_SENTINELS?: readonly string[] | undefined;
  REDIS_SENTINEL_NAME?: string | undefined;
}

function node(hostPort: string): RedisNode {
  const at = hostPort.lastIndexOf(':');
  return { host: hostPort.slice(0, at), port: Number(hostPort.slice(at + 1)) };
}

/** Cluster wins over Sentinel, Sentinel over a plain URL; the configuration guarantees one is set. */
export function redisTarget(settings: RedisSettings): RedisTarget {
  const url = settings.REDIS_URL;
  if (settings.REDIS_CLUSTER_NODES?.length) return { kind: 'cluster', nodes: settings.REDIS_CLUSTER_NODES.map(node), ...(url && { url }) };
  if (settings.REDIS_SENTINELS?.length) return { kind: 'sentinel', sentinels: settings.REDIS_SENTINELS.map(node), name: settings.REDIS_SENTINEL_NAME ?? 'mymaster', ...(url && { url }) };
  return { kind: 'single', url: url ?? 'redis://127.0.0.1:6379' };
}

/** Credentials, database and TLS a URL carries, applied to Sentinel and Cluster nodes too. */
function urlOptions(url: string | undefined): RedisOptions {
  if (!url) return {};
  const parsed = new URL(url);
  const db = Number(parsed.pathname.slice(1));
  return {
    ...(parsed.username && { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password && { password: decodeURIComponent(parsed.password) }),
    ...(Number.isInteger(db) && db > 0 && { db }),
    ...(parsed.protocol === 'rediss:' && { tls: {} }),
  };
}

const retryStrategy = (attempt: number) => Math.min(attempt * 200, 2000);

/**
 * A connection for one role, to a target, to the Redis a configuration names, or to a URL.
 * `autoPipelining`: the commands issued in one turn of the event loop leave as one write (per
 * cluster node), which is what many concurrent requests each sending one command need; BullMQ
 * connections must not have it (their MULTI and blocking commands expect a plain connection).
 * Each batch is an ioredis pipeline, which patches/ioredis+5.11.1.patch keeps from outliving its
 * replies (and the requests awaiting them) in the GC's young generation.
 */
export function createRedis(target: RedisTarget | RedisSettings | string, role: RedisRole, name = `billing-${role}`, options: { autoPipelining?: boolean } = {}): Redis {
  const where: RedisTarget = typeof target === 'string' ? { kind: 'single', url: target } : 'kind' in target ? target : redisTarget(target);
  const enableAutoPipelining = options.autoPipelining ?? false;
  const base: RedisOptions = { connectionName: name, lazyConnect: false, retryStrategy, enableAutoPipelining, ...roleOptions[role] };
  let redis: Redis;
  if (where.kind === 'cluster') {
    const { enableOfflineQueue, enableReadyCheck, ...nodeOptions } = base;
    const clusterOptions: ClusterOptions = {
      clusterRetryStrategy: retryStrategy,
      // A failover moves slots: follow MOVED/ASK and refresh the slot map instead of failing the command.
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 300,
      retryDelayOnTryAgain: 200,
      slotsRefreshTimeout: 2000,
      enableAutoPipelining,
      ...(enableOfflineQueue !== undefined && { enableOfflineQueue }),
      ...(enableReadyCheck !== undefined && { enableReadyCheck }),
      redisOptions: { ...nodeOptions, ...urlOptions(where.url) },
    };
    redis = new Cluster(where.nodes, clusterOptions);
  } else if (where.kind === 'sentinel') {
    redis = new SingleRedis({ ...base, ...urlOptions(where.url), sentinels: where.sentinels, name: where.name, sentinelRetryStrategy: retryStrategy });
  } else {
    redis = new SingleRedis(where.url, base);
  }
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
