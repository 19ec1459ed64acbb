import { Queue, type DefaultJobOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from './config.js';

/** Every queue of the service. Names are stable: Bull Board and metrics show them. */
export const queueNames = {
  /** One job per Stripe event, id = event id, data = { eventId }. */
  events: 'events',
  /** Per-customer sync, deduplicated by customer while waiting. */
  sync: 'sync',
  /** Product/price/feature sync. */
  catalog: 'catalog',
  /** Reconciliation and catch-up runs (job schedulers). */
  reconcile: 'reconcile',
  /** Housekeeping: inbox relay, pruning, grant expiry sweep. */
  maintenance: 'maintenance',
  /** Parked permanent failures; each job names the original queue and job. */
  deadLetter: 'dead-letter',
} as const;

export type QueueName = (typeof queueNames)[keyof typeof queueNames];

/** The backoff type of every job: capped exponential with jitter, computed by the workers (see shared/retry-policy.ts). */
const cappedBackoff = 'capped-exponential';

/**
 * Default options: capped exponential backoff with jitter; completed jobs removed (the inbox keeps
 * the history); failed jobs kept, never trimmed, so they can be inspected and retried.
 */
export function defaultJobOptions(config: Config): DefaultJobOptions {
  return {
    attempts: config.JOB_ATTEMPTS,
    backoff: { type: cappedBackoff, delay: config.JOB_BACKOFF_MS },
    removeOnComplete: true,
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
