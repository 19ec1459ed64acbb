import type { Context } from '../context.js';

export interface DeliverJobData { deliveryId: string; correlationId?: string }

/**
 * One delivery job per (endpoint, event): exponential backoff with jitter from
 * `WEBHOOK_BACKOFF_MS` over `WEBHOOK_DELIVERY_ATTEMPTS` attempts (about 68 hours by default); the
 * runner keeps retrying a delivery that still fails until `JOB_RETRY_HORIZON_HOURS` after it was
 * queued (72 h), then parks it in the dead-letter queue. A replay adds a new job under a new id.
 */
export async function enqueueDeliveries(context: Pick<Context, 'config' | 'queues'>, deliveryIds: readonly string[], replay = false): Promise<void> {
  if (deliveryIds.length === 0) return;
  const { config } = context;
  await context.queues.webhooks.addBulk(deliveryIds.map((deliveryId) => ({
    name: 'deliver',
    data: { deliveryId } satisfies DeliverJobData,
    opts: {
      jobId: replay ? `deliver-${deliveryId}-${Date.now()}` : `deliver-${deliveryId}`,
      attempts: config.WEBHOOK_DELIVERY_ATTEMPTS,
      backoff: { type: 'exponential', delay: config.WEBHOOK_BACKOFF_MS, jitter: 0.5 },
    },
  })));
}
