import type { Context } from '../context.js';
import { queuesFor, type ShardQueues } from '../infra/queues.js';

export interface DeliverJobData { deliveryId: string; correlationId?: string }

/**
 * One delivery job per (endpoint, event): exponential backoff with jitter from
 * `WEBHOOK_BACKOFF_MS` over `WEBHOOK_DELIVERY_ATTEMPTS` attempts (about 68 hours by default); the
 * runner keeps retrying a delivery that still fails until `JOB_RETRY_HORIZON_HOURS` after it was
 * queued (72 h), then parks it in the dead-letter queue. A replay adds a new job under a new id.
 */
export async function enqueueDeliveries(context: Pick<Context, 'config' | 'queues' | 'shards'>, deliveryIds: readonly string[], replay = false): Promise<void> {
  if (deliveryIds.length === 0) return;
  const { config } = context;
  // Deliveries are independent of one another: each goes to the shard its id hashes to, one bulk add per shard.
  const byShard = new Map<ShardQueues, string[]>();
  for (const deliveryId of deliveryIds) {
    const queues = queuesFor(context.shards, deliveryId);
    byShard.set(queues, [...(byShard.get(queues) ?? []), deliveryId]);
  }
  await Promise.all([...byShard].map(([queues, ids]) => queues.webhooks.addBulk(ids.map((deliveryId) => ({
    name: 'deliver',
    data: { deliveryId } satisfies DeliverJobData,
    opts: {
      jobId: replay ? `deliver-${deliveryId}-${Date.now()}` : `deliver-${deliveryId}`,
      attempts: config.WEBHOOK_DELIVERY_ATTEMPTS,
      backoff: { type: 'exponential', delay: config.WEBHOOK_BACKOFF_MS, jitter: 0.5 },
    },
  })))));
}
