import { userId as userIdSchema } from '../../../shared/checkout/requests.js';
import type { Context } from '../../../shared/context.js';
import { PermanentError } from '../../../shared/errors.js';
import { isStripeNotFound } from '../../../shared/stripe-errors.js';
import type { EventObject, FamilyProcessor } from './decision.js';
import { idOf } from './decision.js';

/** The app user a session names: `client_reference_id`, else `metadata.user_id`, in the alphabet checkout accepts (e.g. `auth0|abc`). */
function userOf(session: EventObject): string | undefined {
  const metadata = (session.metadata ?? {}) as Record<string, unknown>;
  const candidate = userIdSchema.safeParse(session.client_reference_id ?? metadata.user_id);
  return candidate.success ? candidate.data : undefined;
}

/**
 * The session as Stripe has it now. Linking a user to a customer is the one decision this service
 * takes from an event's payload, so the payload is not trusted for it (as thin events never are):
 * a forged or altered event cannot link an attacker's user id to someone else's customer. A
 * session Stripe does not know, or one not complete, fails the event permanently.
 */
async function confirmedSession(context: Context, payload: EventObject): Promise<EventObject> {
  const id = typeof payload.id === 'string' ? payload.id : '';
  if (!/^cs_\w+$/.test(id)) throw new PermanentError('checkout session event without a session id', 'unconfirmed_checkout_session');
  const session = await context.stripe.checkout.sessions.retrieve(id).catch((error: unknown) => {
    if (isStripeNotFound(error)) throw new PermanentError(`checkout session ${id} is unknown to Stripe; not linking`, 'unconfirmed_checkout_session');
    throw error;
  }) as unknown as EventObject;
  if (session.status !== 'complete') throw new PermanentError(`checkout session ${id} is ${String(session.status)}, not complete; not linking`, 'unconfirmed_checkout_session');
  return session;
}

/**
 * `checkout.session.completed`: links the app's user to the Stripe customer right away (the link
 * must not depend on which sync job survives deduplication), then syncs that customer. The link is
 * made from the session fetched from Stripe, never from the payload. One user, one customer: a user
 * already linked to another customer keeps that link.
 */
export const checkoutEvents: FamilyProcessor = async (context, object) => {
  const payloadCustomer = idOf(object.customer);
  if (!payloadCustomer) return { kind: 'done', note: 'checkout session without customer' };
  if (!userOf(object)) return { kind: 'sync-customer', stripeCustomerId: payloadCustomer };
  const session = await confirmedSession(context, object);
  const stripeCustomerId = idOf(session.customer);
  if (!stripeCustomerId) return { kind: 'done', note: 'checkout session without customer' };
  const userId = userOf(session);
  if (userId) {
    await context.db.transaction(async (trx) => {
      const holder = await trx('customers').where({ user_id: userId }).first<{ stripe_customer_id: string | null } | undefined>('stripe_customer_id');
      if (holder && holder.stripe_customer_id !== stripeCustomerId) {
        context.logger.warn('user already linked to another customer; keeping the existing link', { stripeCustomerId, existing: holder.stripe_customer_id });
        return;
      }
      await trx('customers')
        .insert({ stripe_customer_id: stripeCustomerId, user_id: userId })
        .onConflict('stripe_customer_id')
        .merge({ user_id: trx.raw('coalesce(customers.user_id, excluded.user_id)'), updated_at: trx.fn.now() });
    });
  }
  return { kind: 'sync-customer', stripeCustomerId };
};
