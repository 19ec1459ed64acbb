import type { Context } from '../shared/context.js';
import { currentCorrelation } from '../shared/correlation.js';
import type { RecomputeJobData, SyncJobData } from '../shared/queue-jobs.js';

/** The deduplication id of a customer's sync: while a job holds it, more adds join that job. */
export const syncDeduplicationId = (stripeCustomerId: string): string => `sync-${stripeCustomerId}`;

/**
 * A per-customer sync, deduplicated by customer: while one waits, more adds are dropped; while one
 * runs, the latest add is kept and runs after it (a change during the fetch is never lost, and two
 * syncs of one customer never run at once).
 */
export async function enqueueSync(context: Pick<Context, 'queues'>, data: SyncJobData): Promise<void> {
  const correlationId = data.correlationId ?? currentCorrelation()?.correlationId;
  await context.queues.sync.add('sync-customer', { ...data, ...(correlationId && { correlationId }) }, {
    deduplication: { id: syncDeduplicationId(data.stripeCustomerId), keepLastIfActive: true },
  });
}

/** Recompute without a Stripe fetch (catalog changes, grant expiry), deduplicated the same way. */
export async function enqueueRecompute(context: Pick<Context, 'queues'>, customerIds: readonly string[], reason?: string): Promise<void> {
  const correlationId = currentCorrelation()?.correlationId;
  for (let start = 0; start < customerIds.length; start += 500) {
    await context.queues.sync.addBulk(customerIds.slice(start, start + 500).map((customerId) => ({
      name: 'recompute-customer',
      data: { customerId, ...(correlationId && { correlationId }), ...(reason && { reason }) } satisfies RecomputeJobData,
      opts: { deduplication: { id: `recompute-${customerId}`, keepLastIfActive: true } },
    })));
  }
}
