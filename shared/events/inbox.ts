import { preparedStatement, type Db } from '../db.js';

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
