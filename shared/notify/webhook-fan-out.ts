import type { Context } from '../context.js';
import type { NotifyEvent } from './entitlement-event.js';
import { enqueueDeliveries } from './webhook-jobs.js';

/** Whether an endpoint's subscription list covers an event type (`*`: every type). */
export function subscribes(events: readonly string[], type: string): boolean {
  return events.includes('*') || events.includes(type);
}

/**
 * Records one delivery per (enabled endpoint subscribed to the type, event) and queues it. The
 * unique (endpoint, event) pair makes a repeat harmless. No endpoint: one small query, nothing queued.
 */
export async function fanOutToEndpoints(context: Pick<Context, 'config' | 'db' | 'queues' | 'shards'>, events: readonly NotifyEvent[]): Promise<number> {
  const endpoints = await context.db('webhook_endpoints').where({ enabled: true }).select<{ id: string; events: string[] }[]>('id', 'events');
  const rows = events.flatMap((event) => endpoints.filter((endpoint) => subscribes(endpoint.events, event.type)).map((endpoint) => ({
    endpoint_id: endpoint.id, event_id: event.id, event_type: event.type, payload: JSON.stringify(event),
  })));
  if (rows.length === 0) return 0;
  const inserted = await context.db('webhook_deliveries').insert(rows).onConflict(['endpoint_id', 'event_id']).ignore().returning<{ id: string }[]>('id');
  await enqueueDeliveries(context, inserted.map((row) => row.id));
  return inserted.length;
}
