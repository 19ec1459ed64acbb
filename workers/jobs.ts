import type { Context } from '../shared/context.js';
import { currentCorrelation } from '../shared/infra/correlation.js';
import { queuesFor, type ShardQueues } from '../shared/infra/queues.js';
import type { RecomputeJobData, SyncJobData } from '../shared/queue-jobs.js';

/** The deduplication id of a customer's sync: while a job holds it, more adds join that job. */
export const syncDeduplicationId = (stripeCustomerId: string): string => `sync-${stripeCustomerId}`;

/**
 * A per-customer sync, deduplicated by customer: while one waits, more adds are dropped; while one
 * runs, the latest add is kept and runs after it (a change during the fetch is never lost, and two
 * syncs of one customer never run at once).
 */
export async function enqueueSync(context: Pick<Context, 'queues' | 'shards'>, data: SyncJobData): Promise<void> {
  const correlationId = data.correlationId ?? currentCorrelation()?.correlationId;
  // The customer's shard: its syncs meet in one queue, where deduplication holds.
  await queuesFor(context.shards, data.stripeCustomerId).sync.add('sync-customer', { ...data, ...(correlationId && { correlationId }) }, {
    deduplication: { id: syncDeduplicationId(data.stripeCustomerId), keepLastIfActive: true },
  });
}

/** Recompute without a Stripe fetch (catalog changes, grant expiry), deduplicated the same way. */
export async function enqueueRecompute(context: Pick<Context, 'queues' | 'shards'>, customerIds: readonly string[], reason?: string): Promise<void> {
  const correlationId = currentCorrelation()?.correlationId;
  for (let start = 0; start < customerIds.length; start += 500) {
    const byShard = new Map<ShardQueues, string[]>();
    for (const customerId of customerIds.slice(start, start + 500)) {
      const queues = queuesFor(context.shards, customerId);
      byShard.set(queues, [...(byShard.get(queues) ?? []), customerId]);
    }
    for (const [queues, ids] of byShard) {
      await queues.sync.addBulk(ids.map((customerId) => ({
        name: 'recompute-customer',
        data: { customerId, ...(correlationId && { correlationId }), ...(reason && { reason }) } satisfies RecomputeJobData,
        opts: { deduplication: { id: `recompute-${customerId}`, keepLastIfActive: true } },
      })));
    }
  }
}
