import Stripe from 'stripe';
import type { SimClock } from './clock.js';
import type { IdFactory } from './ids.js';
import type { SimStore } from './store.js';

export type EventType = Stripe.Event.Type;
/** The member of the `Stripe.Event` union for one event type. */
export type EventOf<T extends EventType> = Extract<Stripe.Event, { type: T }>;
export type EventObject<T extends EventType> = EventOf<T>['data']['object'];
export type EventPrevious<T extends EventType> = NonNullable<EventOf<T>['data']['previous_attributes']>;

/** The API request that caused the events being emitted (null for clock-driven changes). */
export interface RequestInfo {
  id: string;
  idempotencyKey: string | null;
}

export type EventListener = (event: Stripe.Event) => void;

export interface EventLog {
  /** Records an event with a snapshot of `object` and hands it to every listener. */
  emit<T extends EventType>(type: T, object: EventObject<T>, previous?: EventPrevious<T>): EventOf<T>;
  subscribe(listener: EventListener): () => void;
  /** Runs `fn` with events attributed to `request`. Operations are synchronous, so this nests safely. */
  withRequest<R>(request: RequestInfo | null, fn: () => R): R;
}

export const simApiVersion: string = Stripe.API_VERSION;

/** `endpoints` says how many webhook endpoints will receive a new event (its `pending_webhooks`). */
export function createEventLog(store: SimStore, clock: SimClock, ids: IdFactory, endpoints: () => number = () => 0): EventLog {
  const listeners = new Set<EventListener>();
  let request: RequestInfo | null = null;
  return {
    emit(type, object, previous) {
      const data = previous === undefined
        ? { object: structuredClone(object) }
        : { object: structuredClone(object), previous_attributes: structuredClone(previous) };
      const base: Stripe.EventBase = {
        id: ids.next('evt'),
        object: 'event',
        api_version: simApiVersion,
        created: clock.now(),
        data,
        livemode: false,
        pending_webhooks: endpoints(),
        request: request && { id: request.id, idempotency_key: request.idempotencyKey },
        type,
      };
      // The union member is fixed by `type`; TypeScript cannot narrow a generic union itself.
      const event = base as EventOf<typeof type>;
      store.events.set(event.id, event);
      for (const listener of listeners) listener(event);
      return event;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    withRequest(next, fn) {
      const saved = request;
      request = next;
      try {
        return fn();
      } finally {
        request = saved;
      }
    },
  };
}
