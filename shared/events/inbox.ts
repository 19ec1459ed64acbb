import type { Job } from 'bullmq';
import type { Knex } from 'knex';
import { preparedStatement, type Db } from '../infra/db.js';
import { findJob, type ShardQueues } from '../infra/queues.js';
import { enqueueEvent } from './enqueue.js';

/**
 * The inbox (`stripe_events`): this module owns every write to it — recording an event, each
 * status change and `last_error`, re-queueing, pruning. Other modules read it, and call these.
 */

export interface InboxEvent {
  id: string;
  type: string;
  api_version: string | null;
  livemode: boolean;
  stripe_created: Date | null;
  payload: unknown;
  status: 'received' | 'ignored';
  correlation_id: string;
}

const insertEvent = preparedStatement<{ id: string }>('inbox-insert', `
  insert into stripe_events (id, type, api_version, livemode, stripe_created, payload, status, correlation_id, processed_at)
  values (:id, :type, :api_version, :livemode, :stripe_created, :payload, :status, :correlation_id, case when :ignored::boolean then now() end)
  on conflict (id) do nothing
  returning id`);

/** Inserts an event once: `true` when new, `false` for a duplicate delivery (nothing is written). */
export async function recordEvent(db: Db, event: InboxEvent): Promise<boolean> {
  const inserted = await insertEvent(db, { ...event, payload: JSON.stringify(event.payload), ignored: event.status === 'ignored' });
  return inserted.length === 1;
}

export interface StoredEvent {
  id: string;
  type: string;
  payload: Record<string, unknown>;
  status: string;
  customer_id: string | null;
  correlation_id: string | null;
  received_at: Date;
  stripe_created: Date | null;
}

const selectEvent = preparedStatement<StoredEvent>('inbox-load', `
  select id, type, payload, status, customer_id, correlation_id, received_at, stripe_created from stripe_events where id = :id`);

export async function loadEvent(db: Db, id: string): Promise<StoredEvent | undefined> {
  return (await selectEvent(db, { id }))[0];
}

/** How much of an error an inbox row keeps. */
export const lastErrorText = (error: Error | string): string => (typeof error === 'string' ? error : error.message).slice(0, 2000);

/**
 * The event's job failed for good (permanent, or past its retry horizon): the row becomes `dead`,
 * listed by `GET /admin/events?status=dead` and counted by the dead-events alert.
 */
export async function markEventDead(db: Db, eventId: string, error: Error | string): Promise<void> {
  await db('stripe_events').where({ id: eventId }).whereNot({ status: 'processed' })
    .update({ status: 'dead', last_error: lastErrorText(error) });
}

/** An event of a family the service does not handle: recorded and acknowledged, never retried. */
export async function markEventIgnored(db: Db, eventId: string): Promise<void> {
  await db('stripe_events').where({ id: eventId }).update({ status: 'ignored', processed_at: db.fn.now() });
}

/** The event waits for its customer's sync, which marks it processed (every event of the customer received before its fetch). */
const markQueuedStatement = preparedStatement('inbox-queued', `
  update stripe_events set status = 'queued', customer_id = :customer_id, queued_at = now(), attempts = attempts + 1
   where id = :id and status <> 'processed'`);

export async function markEventQueued(db: Db, eventId: string, stripeCustomerId: string): Promise<void> {
  await markQueuedStatement(db, { id: eventId, customer_id: stripeCustomerId });
}

/** The event was handled inline (no customer sync): processed, error cleared. */
export async function markEventProcessed(db: Db, eventId: string): Promise<void> {
  await db('stripe_events').where({ id: eventId })
    .update({ status: 'processed', processed_at: db.fn.now(), attempts: db.raw('attempts + 1'), last_error: null });
}

/** An attempt of the event's own job failed and another follows. */
export async function markEventFailed(db: Db, eventId: string, error: Error): Promise<void> {
  await db('stripe_events').where({ id: eventId }).whereIn('status', ['received', 'queued', 'failed'])
    .update({ status: 'failed', last_error: lastErrorText(error), attempts: db.raw('attempts + 1') });
}

/** An attempt of a customer's sync failed: the events waiting for it show the error. */
export async function markCustomerEventsFailed(db: Db, stripeCustomerId: string, error: Error): Promise<void> {
  await db('stripe_events').where({ customer_id: stripeCustomerId, status: 'queued' })
    .update({ status: 'failed', last_error: lastErrorText(error) });
}

/** A customer's sync failed for good: the events waiting for it are dead (replayable). */
export async function markCustomerEventsDead(db: Db, stripeCustomerId: string, error: Error): Promise<void> {
  await db('stripe_events').where({ customer_id: stripeCustomerId }).whereIn('status', ['queued', 'failed'])
    .update({ status: 'dead', last_error: lastErrorText(error) });
}

/**
 * The part of the recompute statement (shared/entitlements/recompute.ts) that marks processed the
 * events a sync reflects: the customer's queued or failed events received before its fetch started.
 * A SQL fragment, so that it runs in the same statement as the entitlements it goes with.
 */
export const markSyncedEventsProcessedSql = `
    update stripe_events set status = 'processed', processed_at = now(), last_error = null
     where customer_id = :synced_customer::text and status in ('queued', 'failed') and received_at <= :fetch_started_at::timestamptz
    returning type, stripe_created`;

export interface ReplayedRow { id: string; type: string; status: string; attempts: number; last_error: string | null; customer_id: string | null }

/**
 * Sets an event's row back to `received` for a replay (attempts and last error kept, for the
 * record), under a row lock; the row as it was, or undefined when there is no such event.
 */
export async function resetEventForReplay(trx: Knex.Transaction, eventId: string): Promise<ReplayedRow | undefined> {
  const row = await trx('stripe_events').where({ id: eventId }).forUpdate()
    .first<ReplayedRow | undefined>('id', 'type', 'status', 'attempts', 'last_error', 'customer_id');
  if (row) await trx('stripe_events').where({ id: eventId }).update({ status: 'received', processed_at: null, queued_at: null });
  return row;
}

/** Job states in which a job will still run (or is running): nothing to re-drive. */
export const pendingJobStates: ReadonlySet<string> = new Set(['active', 'waiting', 'delayed', 'prioritized', 'waiting-children']);

/**
 * Queues an event again (relay and replay): a finished job with the event's id (a failed one is
 * kept forever, a completed one for a while) is removed first, since BullMQ ignores an add whose
 * id exists. A job still waiting or running is left alone: it reads the row when it runs. `job`
 * is the event's job when the caller already looked it up.
 */
export async function requeueEvent(shards: ShardQueues | readonly ShardQueues[], event: { id: string; type: string; correlationId?: string | null; payload?: unknown }, job?: Job): Promise<void> {
  const existing = job ?? (Array.isArray(shards) ? await findJob(shards, 'events', event.id) : await (shards as ShardQueues).events.getJob(event.id));
  if (existing && !pendingJobStates.has(await existing.getState())) await existing.remove();
  await enqueueEvent(shards, event);
}

/** Prunes processed and ignored rows received before `cutoff`; dead rows stay until replayed. */
export async function deleteFinishedEvents(db: Db, cutoff: Date): Promise<number> {
  return db('stripe_events').whereIn('status', ['processed', 'ignored']).where('received_at', '<', cutoff).delete();
}
