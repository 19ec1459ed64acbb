import type { Db } from '../db.js';

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

/** Inserts an event once: `true` when new, `false` for a duplicate delivery (nothing is written). */
export async function recordEvent(db: Db, event: InboxEvent): Promise<boolean> {
  const inserted = await db('stripe_events')
    .insert({
      ...event,
      payload: JSON.stringify(event.payload),
      processed_at: event.status === 'ignored' ? db.fn.now() : null,
    })
    .onConflict('id')
    .ignore()
    .returning('id');
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

export async function loadEvent(db: Db, id: string): Promise<StoredEvent | undefined> {
  return db('stripe_events').select<StoredEvent[]>('id', 'type', 'payload', 'status', 'customer_id', 'correlation_id', 'received_at', 'stripe_created').where({ id }).first();
}
