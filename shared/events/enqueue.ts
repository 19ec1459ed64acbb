import { queuesFor, type ShardQueues } from '../infra/queues.js';

export interface EventJobData { eventId: string; correlationId?: string }

/**
 * The key that picks an event's queue shard: the Stripe customer the event is about (a customer
 * object's own id, or the object's `customer`), so all of a customer's events meet in one shard;
 * the event id for events about no customer (products, prices).
 */
export function eventShardKey(event: { id: string; payload?: unknown }): string {
  const object = (event.payload as { data?: { object?: { id?: unknown; object?: unknown; customer?: unknown } } } | undefined)?.data?.object;
  if (object?.object === 'customer' && typeof object.id === 'string') return object.id;
  if (typeof object?.customer === 'string') return object.customer;
  const expanded = object?.customer as { id?: unknown } | null | undefined;
  if (typeof expanded?.id === 'string') return expanded.id;
  return event.id;
}

/**
 * One job per event, id = event id, data = only the id (the payload stays in Postgres), in the
 * queue shard of the event's customer ({@link eventShardKey}). BullMQ ignores an add whose id
 * already exists, so the webhook, the relay and replays may all call this.
 */
export async function enqueueEvent(shards: ShardQueues | readonly ShardQueues[], event: { id: string; type: string; correlationId?: string | null; payload?: unknown }): Promise<void> {
  const data: EventJobData = { eventId: event.id, ...(event.correlationId && { correlationId: event.correlationId }) };
  const queues = Array.isArray(shards) ? queuesFor(shards, eventShardKey(event)) : shards as ShardQueues;
  await queues.events.add(event.type, data, { jobId: event.id });
}
