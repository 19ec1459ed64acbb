import { Queue, type DefaultJobOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from './config.js';
import { jobBackoffOptions } from './retry-policy.js';

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

/** Opens every queue on one shared connection (producers reuse it; BullMQ duplicates for blocking). */
export function openQueues(config: Config, connection: Redis): Queues {
  const entries = Object.entries(queueNames).map(([key, name]) => [
    key,
    new Queue(name, { connection, prefix: config.REDIS_PREFIX, defaultJobOptions: defaultJobOptions(config) }),
  ]);
  return Object.fromEntries(entries) as Queues;
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.allSettled(Object.values(queues).map((queue) => queue.close()));
}
