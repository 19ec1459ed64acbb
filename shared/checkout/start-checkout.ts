import type { Db } from '../db.js';
import type { Logger } from '../logger.js';
import type { Stripe } from '../stripe.js';
import { assertNotSubscribed } from './already-subscribed.js';
import type { Actor } from '../audit.js';
import { customerForUser, findCustomerByUser } from './customer-for-user.js';
import type { CheckoutRequest } from './requests.js';
import { resolvePrice } from './resolve-price.js';

export interface CheckoutDeps { db: Db; stripe: Stripe; logger: Logger }

/**
 * A subscription Checkout Session for an app user:
 * 1. resolve the price in Stripe (active, recurring);
 * 2. refuse a second subscription to a price the user already holds (the portal changes plans);
 * 3. find or create the user's one Stripe customer;
 * 4. create the session, tagged with the user id on the session and on the subscription it makes.
 */
export async function startCheckout(deps: CheckoutDeps, request: CheckoutRequest, actor: Actor, idempotencyKey: string): Promise<Stripe.Checkout.Session> {
  const price = await resolvePrice(deps.stripe, request);
  const local = await findCustomerByUser(deps.db, request.user_id);
  if (local) await assertNotSubscribed(deps.db, local.id, price.id);
  const customer = await customerForUser(deps, { userId: request.user_id, email: request.email }, actor);
  return deps.stripe.checkout.sessions.create(
    {
      mode: 'subscription',
      customer,
      client_reference_id: request.user_id,
      metadata: { user_id: request.user_id },
      line_items: [{ price: price.id, quantity: request.quantity }],
      success_url: request.success_url,
      cancel_url: request.cancel_url,
      ...(request.allow_promotion_codes !== undefined && { allow_promotion_codes: request.allow_promotion_codes }),
      subscription_data: {
        metadata: { user_id: request.user_id },
        ...(request.trial_days !== undefined && { trial_period_days: request.trial_days }),
      },
    },
    { idempotencyKey },
  );
}
