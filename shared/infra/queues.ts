import { createHash } from 'node:crypto';
import { Queue, type DefaultJobOptions } from 'bullmq';
import type { Config } from './config.js';
import type { Redis } from './redis.js';
import { jobBackoffOptions } from '../retry-policy.js';

/** Every queue of the service. Names are stable: Bull Board and metrics show them. */
export const queueNames = {
  /** One job per Stripe event, id = event id, data = { eventId }. */
  events: 'events',
  /** Per-customer sync, deduplicated by customer while waiting. */
  sync: 'sync',
  /** Reconciliation and catch-up runs (job schedulers). */
  reconcile: 'reconcile',
  /** Housekeeping: inbox relay, pruning, grant expiry sweep. */
  maintenance: 'maintenance',
  /** Usage export to Stripe Billing Meters: one job per customer at a time, and the periodic scan. */
  meters: 'meters',
  /** Outbound webhooks: one delivery job per endpoint and event. */
  webhooks: 'webhooks',
  /** Parked permanent failures; each job names the original queue and job. */
  deadLetter: 'dead-letter',
} as const;

export type QueueName = (typeof queueNames)[keyof typeof queueNames];

/**
 * The queues the workers consume (workers/processors/queue-processors.ts has one processor for each).
 * Bull Board shows only these: a queue nobody consumes would sit there saying "No workers".
 * Dead letters stay visible as failed jobs of their own queue, where they can be retried.
 */
export const consumedQueues = ['events', 'sync', 'reconcile', 'maintenance', 'webhooks', 'meters'] as const satisfies readonly (keyof typeof queueNames)[];

/**
 * The queues split across `QUEUE_SHARDS` prefixes by customer: the per-customer work. The others
 * (catalog, reconcile, maintenance, dead letters) are few jobs and live on shard 0 only.
 */
export const shardedQueues = ['events', 'sync', 'webhooks'] as const satisfies readonly (keyof typeof queueNames)[];
export type ShardedQueueKey = (typeof shardedQueues)[number];

/** Completed jobs kept for a look back in Bull Board: the last hour, at most 1,000 per queue. */
export const completedJobHistory = { age: 3600, count: 1000 } as const;

/**
 * Default options: capped exponential backoff with jitter (shared/retry-policy.ts); a bounded recent history of completed
 * jobs ({@link completedJobHistory}; the inbox keeps the full history); failed jobs kept, never
 * trimmed, so they can be inspected and retried.
 */
export function defaultJobOptions(config: Config): DefaultJobOptions {
  return {
    ...jobBackoffOptions(config),
    removeOnComplete: completedJobHistory,
    removeOnFail: false,
  };
}

export type Queues = Record<keyof typeof queueNames, Queue>;
/** One shard's queues; shard 0's are the very queues of {@link Queues}. */
export type ShardQueues = Record<ShardedQueueKey, Queue>;

/**
 * The key prefix of a queue shard. Shard 0 is REDIS_PREFIX itself, so one shard is today's layout;
 * shard n > 0 puts `-q<n>` inside the prefix's hash tag (`{billing}` → `{billing-q2}`), so each
 * shard is a cluster slot of its own and a Redis Cluster spreads the shards over its masters.
 */
export function shardPrefix(prefix: string, shard: number): string {
  if (shard === 0) return prefix;
  return /\{[^{}]+\}/.test(prefix) ? prefix.replace(/\{([^{}]+)\}/, `{$1-q${shard}}`) : `{${prefix}-q${shard}}`;
}

/**
 * The shard of a customer (or of any key a job is grouped by): a stable hash, the same in every
 * process and release, so a customer's jobs always meet in one queue (deduplication and order hold).
 */
export function shardOf(key: string, shards: number): number {
  if (shards <= 1) return 0;
  return createHash('sha1').update(key).digest().readUInt32BE(0) % shards;
}

/** The shards a worker consumes: QUEUE_SHARDS_CONSUMED, or every shard. */
export function consumedShards(config: Pick<Config, 'QUEUE_SHARDS' | 'QUEUE_SHARDS_CONSUMED'>): number[] {
  return config.QUEUE_SHARDS_CONSUMED ? [...new Set(config.QUEUE_SHARDS_CONSUMED.map(Number))].sort((a, b) => a - b) : Array.from({ length: config.QUEUE_SHARDS }, (_, shard) => shard);
}

/** Opens every queue on one shared connection (producers reuse it; BullMQ duplicates for blocking). */
export function openQueues(config: Config, connection: Redis): Queues {
  const entries = Object.entries(queueNames).map(([key, name]) => [
    key,
    new Queue(name, { connection, prefix: config.REDIS_PREFIX, defaultJobOptions: defaultJobOptions(config) }),
  ]);
  return Object.fromEntries(entries) as Queues;
}

/** Every shard's queues, shard 0 being `queues` itself; the others are opened on the same connection. */
export function openQueueShards(config: Config, connection: Redis, queues: Queues): ShardQueues[] {
  const shards: ShardQueues[] = [queues];
  for (let shard = 1; shard < config.QUEUE_SHARDS; shard += 1) {
    const prefix = shardPrefix(config.REDIS_PREFIX, shard);
    shards.push(Object.fromEntries(shardedQueues.map((key) => [
      key,
      new Queue(queueNames[key], { connection, prefix, defaultJobOptions: defaultJobOptions(config) }),
    ])) as ShardQueues);
  }
  return shards;
}

/** The queues of the shard a customer (or other grouping key) belongs to. */
export function queuesFor(shards: readonly ShardQueues[], key: string): ShardQueues {
  return shards[shardOf(key, shards.length)] ?? (shards[0]);
}

/** A job looked up in every shard (a job id names one job; it sits in exactly one shard). */
export async function findJob(shards: readonly ShardQueues[], key: ShardedQueueKey, jobId: string) {
  for (const shard of shards) {
    const job = await shard[key].getJob(jobId);
    if (job) return job;
  }
  return undefined;
}

export async function closeQueues(queues: Queues, shards: readonly ShardQueues[] = []): Promise<void> {
  await Promise.allSettled([...Object.values(queues), ...shards.slice(1).flatMap((shard) => Object.values(shard))].map((queue) => queue.close()));
}

/** A queue as Bull Board lists it: shard 0 under its own name, shard n as `q<n>-<name>`. */
export interface BoardQueue { boardName: string; name: QueueName; shard: number; queue: Queue }

/** Every consumed queue of every shard, for Bull Board (and the board's guards, which go by its names). */
export function boardQueues(queues: Queues, shards: readonly ShardQueues[]): BoardQueue[] {
  const own: BoardQueue[] = consumedQueues.map((key) => ({ boardName: queueNames[key], name: queueNames[key], shard: 0, queue: queues[key] }));
  const others = shards.slice(1).flatMap((shard, index) => consumedQueues.filter((key): key is ShardedQueueKey => (shardedQueues as readonly string[]).includes(key))
    .map((key) => ({ boardName: `q${index + 1}-${queueNames[key]}`, name: queueNames[key], shard: index + 1, queue: shard[key] })));
  return [...own, ...others];
}
