import { userId as userIdSchema } from '../../../shared/checkout/requests.js';
import type { Context } from '../../../shared/context.js';
import { PermanentError } from '../../../shared/errors.js';
import { isStripeNotFound } from '../../../shared/infra/stripe-errors.js';
import type { EventDecision, EventObject, FamilyProcessor } from './decision.js';
import { idOf } from './decision.js';

/** The app user a session names: `client_reference_id`, else `metadata.user_id`, in the alphabet checkout accepts (e.g. `auth0|abc`). */
function userOf(session: EventObject): string | undefined {
  const metadata = (session.metadata ?? {}) as Record<string, unknown>;
  const candidate = userIdSchema.safeParse(session.client_reference_id ?? metadata.user_id);
  return candidate.success ? candidate.data : undefined;
}

const withoutCustomer: EventDecision = { kind: 'done', note: 'checkout session without customer' };

/** What the payload alone decides: nothing, a sync, or (it names a user) a link to confirm with Stripe first. */
export type PayloadDecision = EventDecision | { kind: 'confirm'; sessionId: string };

/**
 * Linking a user to a customer is the one decision this service takes from an event's payload, so
 * the payload is not trusted for it (as thin events never are): a session naming a user is
 * confirmed with Stripe first. A session without a usable id fails the event permanently.
 */
export function decideFromPayload(payload: EventObject): PayloadDecision {
  const stripeCustomerId = idOf(payload.customer);
  if (!stripeCustomerId) return withoutCustomer;
  if (!userOf(payload)) return { kind: 'sync-customer', stripeCustomerId };
  const sessionId = typeof payload.id === 'string' ? payload.id : '';
  if (!/^cs_\w+$/.test(sessionId)) throw new PermanentError('checkout session event without a session id', 'unconfirmed_checkout_session');
  return { kind: 'confirm', sessionId };
}

/** What the session as Stripe has it decides: the customer to sync and, when it names a user, the link to write. */
export interface SessionDecision { decision: EventDecision; link?: { stripeCustomerId: string; userId: string } }

/** A session not complete fails the event permanently: a forged or altered event cannot link an attacker's user id to someone else's customer. */
export function decideFromSession(session: EventObject): SessionDecision {
  if (session.status !== 'complete') throw new PermanentError(`checkout session ${String(session.id)} is ${String(session.status)}, not complete; not linking`, 'unconfirmed_checkout_session');
  const stripeCustomerId = idOf(session.customer);
  if (!stripeCustomerId) return { decision: withoutCustomer };
  const userId = userOf(session);
  const decision: EventDecision = { kind: 'sync-customer', stripeCustomerId };
  return userId ? { decision, link: { stripeCustomerId, userId } } : { decision };
}

/**
 * One user, one customer: a user whose row already names another customer (or none: a row made
 * for grants before checkout) keeps it. `holder` is the user's row, undefined when there is none.
 */
export function keepsExistingLink(holder: { stripe_customer_id: string | null } | undefined, stripeCustomerId: string): boolean {
  return holder !== undefined && holder.stripe_customer_id !== stripeCustomerId;
}

/** The session as Stripe has it now; one Stripe does not know fails the event permanently. */
async function loadSession(context: Pick<Context, 'stripe'>, sessionId: string): Promise<EventObject> {
  return await context.stripe.checkout.sessions.retrieve(sessionId).catch((error: unknown) => {
    if (isStripeNotFound(error)) throw new PermanentError(`checkout session ${sessionId} is unknown to Stripe; not linking`, 'unconfirmed_checkout_session');
    throw error;
  }) as unknown as EventObject;
}

/**
 * `checkout.session.completed`: links the app's user to the Stripe customer right away (the link
 * must not depend on which sync job survives deduplication), then syncs that customer. The link is
 * made from the session fetched from Stripe, never from the payload.
 */
export const checkoutEvents: FamilyProcessor = async (context, object) => {
  const fromPayload = decideFromPayload(object);
  if (fromPayload.kind !== 'confirm') return fromPayload;
  const { decision, link } = decideFromSession(await loadSession(context, fromPayload.sessionId));
  if (!link) return decision;
  const { stripeCustomerId, userId } = link;
  await context.db.transaction(async (trx) => {
    const holder = await trx('customers').where({ user_id: userId }).first<{ stripe_customer_id: string | null } | undefined>('stripe_customer_id');
    if (keepsExistingLink(holder, stripeCustomerId)) {
      context.logger.warn('user already linked to another customer; keeping the existing link', { stripeCustomerId, existing: holder?.stripe_customer_id });
      return;
    }
    await trx('customers')
      .insert({ stripe_customer_id: stripeCustomerId, user_id: userId })
      .onConflict('stripe_customer_id')
      .merge({ user_id: trx.raw('coalesce(customers.user_id, excluded.user_id)'), updated_at: trx.fn.now() });
  });
  return decision;
};
