import client from 'prom-client';
import type { Db } from './db.js';
import { withTimeout } from './lifecycle.js';
import type { Metrics } from './metrics.js';
import type { Queues } from './queues.js';
import { checkDependencies } from './readiness.js';
import type { Redis } from './redis.js';

/** The queue states the depth gauge reports; completed jobs are removed at once, so they are not. */
export const queueStates = ['waiting', 'active', 'delayed', 'failed', 'prioritized', 'waiting-children'] as const;

/**
 * Gauges read at scrape time from the shared state rather than counted by this process: queue depth
 * by state, dead-letter size, and dependency readiness. Every process reads the same Redis, so rules
 * combine these with `max`, never `sum`. A scrape that cannot reach Redis leaves the depth gauges
 * empty (no stale figures) and reports readiness 0; it never fails the scrape.
 */
export function registerStateMetrics(metrics: Metrics, state: { db: Db; redis: Redis; queues: Queues }): void {
  const registers = [metrics.registry];
  const { queues } = state;
  new client.Gauge({
    name: 'bullmq_queue_jobs', help: 'Jobs in each BullMQ queue by state, read from Redis at scrape time.',
    labelNames: ['queue', 'state'], registers,
    async collect() {
      this.reset();
      const counts = await Promise.allSettled(Object.values(queues).map(async (queue) => [queue.name, await withTimeout(queue.getJobCounts(...queueStates), 2000, `${queue.name} job counts`)] as const));
      for (const result of counts) {
        if (result.status !== 'fulfilled') continue;
        const [queue, byState] = result.value;
        for (const jobState of queueStates) this.set({ queue, state: jobState }, byState[jobState] ?? 0);
      }
    },
  });
  new client.Gauge({
    name: 'dead_letter_queue_jobs', help: 'Jobs parked in the dead-letter queue, waiting for a replay or a clean-up.',
    registers,
    async collect() {
      this.reset();
      try {
        const counts = await withTimeout(queues.deadLetter.getJobCounts(...queueStates), 2000, 'dead-letter job counts');
        this.set(Object.values(counts).reduce((sum, count) => sum + count, 0));
      } catch {
        // No figure rather than a wrong one: the readiness gauge says why.
      }
    },
  });
  new client.Gauge({
    name: 'webhook_endpoint_pending_deliveries', help: 'Outbound webhook deliveries not yet succeeded nor dead, per endpoint, read from Postgres at scrape time.',
    labelNames: ['endpoint'], registers,
    async collect() {
      this.reset();
      try {
        const rows = await withTimeout(state.db('webhook_deliveries').where({ status: 'pending' }).groupBy('endpoint_id')
          .select<{ endpoint_id: string; count: number }[]>('endpoint_id', state.db.raw('count(*)::int as count')), 2000, 'webhook delivery counts');
        for (const row of rows) this.set({ endpoint: row.endpoint_id }, row.count);
      } catch {
        // No figure rather than a wrong one: the readiness gauge says why.
      }
    },
  });
  new client.Gauge({
    name: 'readiness_status', help: 'Whether each dependency answered at scrape time (1) or not (0).',
    labelNames: ['dependency'], registers,
    async collect() {
      const { checks } = await checkDependencies(state.db, state.redis);
      for (const [dependency, result] of Object.entries(checks)) this.set({ dependency }, result === 'ok' ? 1 : 0);
    },
  });
}
