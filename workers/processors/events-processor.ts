import type { Job } from 'bullmq';
import type { Context } from '../../shared/context.js';
import { preparedStatement } from '../../shared/db.js';
import { PermanentError } from '../../shared/errors.js';
import type { EventJobData } from '../../shared/events/enqueue.js';
import { eventFamily, snapshotType } from '../../shared/events/event-types.js';
import { lastErrorText, loadEvent, markEventDead } from '../../shared/events/inbox.js';
import { enqueueSync } from '../jobs.js';
import type { QueueProcessor } from '../runner.js';
import { eventObject } from './events/event-object.js';
import { familyProcessors } from './events/registry.js';

/** The event waits for its customer's sync, which marks it processed (every event of the customer received before its fetch). */
const markQueued = preparedStatement('inbox-queued', `
  update stripe_events set status = 'queued', customer_id = :customer_id, queued_at = now(), attempts = attempts + 1
   where id = :id and status <> 'processed'`);

/**
 * One Stripe event: load it from the inbox → its family decides → apply. A customer-level change
 * becomes a per-customer sync (the event stays `queued` until that sync has written a state
 * fetched after the event arrived); anything else is done inline and the event is `processed`.
 */
async function processEvent(context: Context, job: Job<EventJobData>): Promise<string> {
  const event = await loadEvent(context.db, job.data.eventId);
  if (!event) throw new PermanentError(`event ${job.data.eventId} is not in the inbox`, 'event_missing');
  if (event.status === 'processed' || event.status === 'ignored') return `already ${event.status}`;
  const family = eventFamily(event.type);
  if (!family) {
    await context.db('stripe_events').where({ id: event.id }).update({ status: 'ignored', processed_at: context.db.fn.now() });
    return 'ignored';
  }
  const object = await eventObject(context, event);
  const decision = await familyProcessors[family](context, object, snapshotType(event.type));
  if (decision.kind === 'sync-customer') {
    await markQueued(context.db, { id: event.id, customer_id: decision.stripeCustomerId });
    await enqueueSync(context, { stripeCustomerId: decision.stripeCustomerId, eventId: event.id, ...(event.correlation_id && { correlationId: event.correlation_id }) });
    return `sync ${decision.stripeCustomerId}`;
  }
  await context.db('stripe_events').where({ id: event.id })
    .update({ status: 'processed', processed_at: context.db.fn.now(), attempts: context.db.raw('attempts + 1'), last_error: null });
  if (event.stripe_created) context.metrics.eventLag.observe({ type: event.type }, Math.max(0, (Date.now() - event.stripe_created.getTime()) / 1000));
  return decision.note ?? 'done';
}

export const eventsProcessor: QueueProcessor = {
  run: (context, job) => processEvent(context, job as Job<EventJobData>),
  onFailedAttempt: async (context, job, error) => {
    const { eventId } = job.data as EventJobData;
    await context.db('stripe_events').where({ id: eventId }).whereIn('status', ['received', 'queued', 'failed'])
      .update({ status: 'failed', last_error: lastErrorText(error), attempts: context.db.raw('attempts + 1') });
  },
  onDead: async (context, job, error) => markEventDead(context.db, (job.data as EventJobData).eventId, error),
};
