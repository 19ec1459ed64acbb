import type { Context } from '../../../shared/context.js';
import type { EventFamily } from '../../../shared/events/event-types.js';

/** What an event asks for. Processors decide; the events processor applies. */
export type EventDecision =
  /** Sync this Stripe customer from Stripe; the sync marks the event processed. */
  | { kind: 'sync-customer'; stripeCustomerId: string }
  /** Nothing more to do (or already done inline): mark processed. */
  | { kind: 'done'; note?: string };

/** An event's object: the snapshot's `data.object`, or for a thin event the related object fetched now. */
export type EventObject = Record<string, unknown> & { id?: unknown; object?: unknown };

/** Decides what an event asks for; `eventId` is the Stripe event's id (what announcements name as their cause). */
export type FamilyProcessor = (context: Context, object: EventObject, type: string, eventId?: string) => Promise<EventDecision>;

export type FamilyRegistry = Record<EventFamily, FamilyProcessor>;

export const idOf = (value: unknown): string | undefined => {
  if (typeof value === 'string' && value.length > 0) return value;
  if (value && typeof value === 'object' && 'id' in value && typeof value.id === 'string') return value.id;
  return undefined;
};

/** Most events only name a customer: sync it (or nothing when the object has none). */
export const syncCustomerOf = (customer: unknown, note: string): EventDecision => {
  const stripeCustomerId = idOf(customer);
  return stripeCustomerId ? { kind: 'sync-customer', stripeCustomerId } : { kind: 'done', note };
};
