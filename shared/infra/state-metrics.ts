import client from 'prom-client';
import type { Db } from './db.js';
import { withTimeout } from './lifecycle.js';
import type { Metrics } from './metrics.js';
import type { Queues } from './queues.js';
import { checkDependencies } from './readiness.js';
import type { Redis } from './redis.js';

/** The queue states the depth gauge reports; completed jobs are removed at once, so they are not. */
export const queueStates = ['waiting', 'active', 'delayed', 'failed', 'prioritized', 'waiting-children'] as const;

export interface StateMetricsOptions {
  /** How long one reading of the shared state serves scrapes, in ms. @defaultValue 5000 */
  cacheMs?: number;
  /** The clock the cache reads; tests inject one. @defaultValue Date.now */
  now?: () => number;
}

interface StateReading {
  /** Job counts by queue name; a queue whose counts could not be read is absent. */
  depth: Map<string, Record<string, number>>;
  /** Jobs in the dead-letter queue, or undefined when it could not be read. */
  deadLetters: number | undefined;
  /** Outbound webhook deliveries pending per endpoint id, or undefined when Postgres could not be read. */
  pendingDeliveries: Map<string, number> | undefined;
  ready: Record<'postgres' | 'redis', boolean>;
}

/**
 * Gauges read from the shared state rather than counted by this process: queue depth by state,
 * dead-letter size, and dependency readiness. Every process reads the same Redis, so rules
 * combine these with `max`, never `sum`. One reading (about 60 Redis commands) serves every scrape
 * for `cacheMs`, so scraping often, or by many, costs Redis nothing more. A reading that cannot
 * reach Redis leaves the depth gauges empty (no stale figures) and reports readiness 0; it never
 * fails the scrape.
 */
export function registerStateMetrics(metrics: Metrics, state: { db: Db; redis: Redis; queues: Queues }, options: StateMetricsOptions = {}): void {
  const registers = [metrics.registry];
  const { queues } = state;
  const cacheMs = options.cacheMs ?? 5000;
  const now = options.now ?? Date.now;
  let cached: { at: number; reading: Promise<StateReading> } | undefined;

  const read = async (): Promise<StateReading> => {
    const counts = await Promise.allSettled(Object.values(queues).map(async (queue) => [queue.name, await withTimeout(queue.getJobCounts(...queueStates), 2000, `${queue.name} job counts`)] as const));
    const depth = new Map(counts.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : [])));
    const deadLetter = depth.get(queues.deadLetter.name);
    const { checks } = await checkDependencies(state.db, state.redis);
    const pending = await withTimeout(state.db('webhook_deliveries').where({ status: 'pending' }).groupBy('endpoint_id')
      .select<{ endpoint_id: string; count: number }[]>('endpoint_id', state.db.raw('count(*)::int as count')), 2000, 'webhook delivery counts')
      .then((rows) => new Map(rows.map((row) => [row.endpoint_id, row.count])), () => undefined);
    return {
      depth,
      deadLetters: deadLetter ? Object.values(deadLetter).reduce((sum, count) => sum + count, 0) : undefined,
      pendingDeliveries: pending,
      ready: { postgres: checks.postgres === 'ok', redis: checks.redis === 'ok' },
    };
  };
  const reading = (): Promise<StateReading> => {
    if (!cached || now() - cached.at >= cacheMs) cached = { at: now(), reading: read() };
    return cached.reading;
  };

  new client.Gauge({
    name: 'bullmq_queue_jobs', help: 'Jobs in each BullMQ queue by state, read from Redis (one reading serves scrapes for a few seconds).',
    labelNames: ['queue', 'state'], registers,
    async collect() {
      this.reset();
      for (const [queue, byState] of (await reading()).depth) {
        for (const jobState of queueStates) this.set({ queue, state: jobState }, byState[jobState] ?? 0);
      }
    },
  });
  new client.Gauge({
    name: 'dead_letter_queue_jobs', help: 'Jobs parked in the dead-letter queue, waiting for a replay or a clean-up.',
    registers,
    async collect() {
      this.reset();
      const { deadLetters } = await reading();
      // No figure rather than a wrong one: the readiness gauge says why.
      if (deadLetters !== undefined) this.set(deadLetters);
    },
  });
  new client.Gauge({
    name: 'webhook_endpoint_pending_deliveries', help: 'Outbound webhook deliveries not yet succeeded nor dead, per endpoint, read from Postgres (one reading serves scrapes for a few seconds).',
    labelNames: ['endpoint'], registers,
    async collect() {
      this.reset();
      // No figure rather than a wrong one: the readiness gauge says why.
      for (const [endpoint, count] of (await reading()).pendingDeliveries ?? []) this.set({ endpoint }, count);
    },
  });
  new client.Gauge({
    name: 'readiness_status', help: 'Whether each dependency answered at the last reading (1) or not (0).',
    labelNames: ['dependency'], registers,
    async collect() {
      for (const [dependency, up] of Object.entries((await reading()).ready)) this.set({ dependency }, up ? 1 : 0);
    },
  });
}
