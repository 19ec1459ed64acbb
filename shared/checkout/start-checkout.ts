import type { Config } from '../infra/config.js';
import type { Db } from '../infra/db.js';
import { planTrialDays, type CatalogFile } from '../domain/index.js';
import type { Logger } from '../infra/logger.js';
import type { Stripe } from '../infra/stripe.js';
import { assertNotSubscribed } from './already-subscribed.js';
import type { Actor } from '../audit.js';
import { customerForUser, findCustomerByUser } from './customer-for-user.js';
import type { CheckoutRequest } from './requests.js';
import { resolvePrice } from './resolve-price.js';

export interface CheckoutDeps {
  db: Db;
  stripe: Stripe;
  logger: Logger;
  config: Pick<Config, 'CHECKOUT_AUTOMATIC_TAX' | 'CHECKOUT_TRIAL_MISSING_PAYMENT_METHOD'>;
  catalogFile: CatalogFile;
}

/**
 * A subscription Checkout Session for an app user:
 * 1. resolve the price in Stripe (active, recurring, offering the requested currency);
 * 2. refuse a second subscription to a price the user already holds (the portal changes plans);
 * 3. find or create the user's one Stripe customer;
 * 4. create the session, tagged with the user id on the session and on the subscription it makes,
 *    with the trial (the request's, else the catalog plan's) and, when on, Stripe Tax.
 */
export async function startCheckout(deps: CheckoutDeps, request: CheckoutRequest, actor: Actor, idempotencyKey: string): Promise<Stripe.Checkout.Session> {
  const price = await resolvePrice(deps.stripe, request);
  const local = await findCustomerByUser(deps.db, request.user_id);
  if (local) await assertNotSubscribed(deps.db, local.id, price.id);
  const customer = await customerForUser(deps, { userId: request.user_id, email: request.email }, actor);
  const trialDays = request.trial_days ?? planTrialDays(deps.catalogFile.plans, { priceId: price.id, lookupKey: price.lookup_key, productId: productOf(price) });
  return deps.stripe.checkout.sessions.create(
    {
      mode: 'subscription',
      customer,
      client_reference_id: request.user_id,
      metadata: { user_id: request.user_id },
      line_items: [{ price: price.id, quantity: request.quantity }],
      success_url: request.success_url,
      cancel_url: request.cancel_url,
      ...(request.currency !== undefined && { currency: request.currency }),
      ...(request.allow_promotion_codes !== undefined && { allow_promotion_codes: request.allow_promotion_codes }),
      ...(request.payment_method_collection !== undefined && { payment_method_collection: request.payment_method_collection }),
      ...(deps.config.CHECKOUT_AUTOMATIC_TAX && taxCollection),
      subscription_data: {
        metadata: { user_id: request.user_id },
        ...(trialDays !== undefined && {
          trial_period_days: trialDays,
          trial_settings: { end_behavior: { missing_payment_method: deps.config.CHECKOUT_TRIAL_MISSING_PAYMENT_METHOD } },
        }),
      },
    },
    { idempotencyKey },
  );
}

/**
 * Stripe Tax (CHECKOUT_AUTOMATIC_TAX): tax computed from the billing address, which is therefore
 * required, and business tax ids collected. The customer exists before the session, so Checkout
 * must be allowed to save the address and business name it collects onto it.
 */
const taxCollection = {
  automatic_tax: { enabled: true },
  tax_id_collection: { enabled: true },
  billing_address_collection: 'required',
  customer_update: { address: 'auto', name: 'auto' },
} as const satisfies Partial<Stripe.Checkout.SessionCreateParams>;

function productOf(price: Stripe.Price): string {
  return typeof price.product === 'string' ? price.product : price.product.id;
}
