import type { Context } from '../../../shared/context.js';
import { PermanentError } from '../../../shared/errors.js';
import type { StoredEvent } from '../../../shared/events/inbox.js';
import type { EventObject } from './decision.js';

type Retriever = (context: Pick<Context, 'stripe'>, id: string) => Promise<unknown>;

/** How a thin event's related object is fetched, by object type. */
const retrievers: Record<string, Retriever> = {
  customer: (context, id) => context.stripe.customers.retrieve(id),
  subscription: (context, id) => context.stripe.subscriptions.retrieve(id),
  invoice: (context, id) => context.stripe.invoices.retrieve(id),
  charge: (context, id) => context.stripe.charges.retrieve(id),
  dispute: (context, id) => context.stripe.disputes.retrieve(id),
  refund: (context, id) => context.stripe.refunds.retrieve(id),
  'checkout.session': (context, id) => context.stripe.checkout.sessions.retrieve(id),
  checkout_session: (context, id) => context.stripe.checkout.sessions.retrieve(id),
  product: (context, id) => Promise.resolve({ id, object: 'product' }),
  price: (context, id) => Promise.resolve({ id, object: 'price' }),
};

/**
 * The object an event is about. Snapshot events carry it; thin events (event destinations) only
 * name it, so it is fetched — which is also what the service would do with a snapshot anyway.
 */
export async function eventObject(context: Pick<Context, 'stripe'>, event: StoredEvent): Promise<EventObject> {
  const payload = event.payload;
  if (payload.object === 'v2.core.event') {
    const related = payload.related_object as { id?: unknown; type?: unknown } | undefined;
    if (typeof related?.id !== 'string' || typeof related.type !== 'string') throw new PermanentError('thin event without related_object', 'invalid_event');
    const retrieve = retrievers[related.type];
    if (!retrieve) throw new PermanentError(`thin event names an object type the service does not handle: ${related.type}`, 'invalid_event');
    return (await retrieve(context, related.id)) as EventObject;
  }
  const object = (payload.data as { object?: unknown } | undefined)?.object;
  if (!object || typeof object !== 'object') throw new PermanentError('event without data.object', 'invalid_event');
  return object as EventObject;
}
