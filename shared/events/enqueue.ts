import type { Queues } from '../queues.js';

export interface EventJobData { eventId: string; correlationId?: string }

/**
 * One job per event, id = event id, data = only the id (the payload stays in Postgres). BullMQ
 * ignores an add whose id already exists, so the webhook, the relay and replays may all call this.
 */
export async function enqueueEvent(queues: Queues, event: { id: string; type: string; correlationId?: string | null }): Promise<void> {
  const data: EventJobData = { eventId: event.id, ...(event.correlationId && { correlationId: event.correlationId }) };
  await queues.events.add(event.type, data, { jobId: event.id });
}
