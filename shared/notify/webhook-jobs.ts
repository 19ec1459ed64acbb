import type { Context } from '../context.js';
import type { NotifyEvent } from './entitlement-event.js';

export interface FanOutJobData { event: NotifyEvent; correlationId?: string }
export interface DeliverJobData { deliveryId: string; correlationId?: string }

/** One fan-out job per event (job id = event id, so a repeat is dropped): the worker finds the endpoints. */
export async function enqueueFanOut(context: Context, events: readonly NotifyEvent[]): Promise<void> {
  await context.queues.webhooks.addBulk(events.map((event) => ({
    name: 'fan-out',
    data: { event } satisfies FanOutJobData,
    opts: { jobId: `fan-out-${event.id}` },
  })));
}

/**
 * One delivery job per (endpoint, event): exponential backoff with jitter from
 * `WEBHOOK_BACKOFF_MS` over `WEBHOOK_DELIVERY_ATTEMPTS` attempts (about 68 hours by default), then
 * the dead-letter queue. A replay adds a new job under a new id.
 */
export async function enqueueDeliveries(context: Context, deliveryIds: readonly string[], replay = false): Promise<void> {
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
