import type { Job } from 'bullmq';
import type { Context } from '../../shared/context.js';
import { PermanentError } from '../../shared/errors.js';
import type { EventJobData } from '../../shared/events/enqueue.js';
import { eventFamily, snapshotType } from '../../shared/events/event-types.js';
import { loadEvent, markEventDead, markEventFailed, markEventIgnored, markEventProcessed, markEventQueued } from '../../shared/events/inbox.js';
import { enqueueSync } from '../jobs.js';
import type { EventsJobs } from '../../shared/queue-jobs.js';
import type { QueueProcessor } from '../runner.js';
import { eventObject } from './events/event-object.js';
import { familyProcessors } from './events/family-processors.js';

/**
 * One Stripe event: load it from the inbox → its family decides → apply. A customer-level change
 * becomes a per-customer sync (the event stays `queued` until that sync has written a state
 * fetched after the event arrived); anything else is done inline and the event is `processed`.
 */
async function processEvent(context: Context, job: Job<EventJobData, unknown, string>): Promise<string> {
  const event = await loadEvent(context.db, job.data.eventId);
  if (!event) throw new PermanentError(`event ${job.data.eventId} is not in the inbox`, 'event_missing');
  if (event.status === 'processed' || event.status === 'ignored') return `already ${event.status}`;
  const family = eventFamily(event.type);
  if (!family) {
    await markEventIgnored(context.db, event.id);
    return 'ignored';
  }
  const object = await eventObject(context, event);
  const decision = await familyProcessors[family](context, object, snapshotType(event.type), event.id);
  if (decision.kind === 'sync-customer') {
    await markEventQueued(context.db, event.id, decision.stripeCustomerId);
    await enqueueSync(context, { stripeCustomerId: decision.stripeCustomerId, eventId: event.id, ...(event.correlation_id && { correlationId: event.correlation_id }) });
    return `sync ${decision.stripeCustomerId}`;
  }
  await markEventProcessed(context.db, event.id);
  if (event.stripe_created) context.metrics.eventLag.observe({ type: event.type }, Math.max(0, (Date.now() - event.stripe_created.getTime()) / 1000));
  return decision.note ?? 'done';
}

export const eventsProcessor: QueueProcessor<EventsJobs> = {
  run: processEvent,
  onFailedAttempt: async (context, job, error) => markEventFailed(context.db, job.data.eventId, error),
  onDead: async (context, job, error) => markEventDead(context.db, job.data.eventId, error),
};
