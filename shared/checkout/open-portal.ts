import type { Db } from '../infra/db.js';
import { notFound } from '../errors.js';
import type { Stripe } from '../infra/stripe.js';
import type { PortalRequest } from './requests.js';

/**
 * A billing portal session for a customer this service knows (by app user id or Stripe id). A
 * customer missing from the mirror, or deleted, is a 404: a write key opens portals for this
 * app's customers only, not for any customer of the Stripe account. `authorize` sees the customer's
 * app user before Stripe is called (a user token must name that user).
 */
export async function openPortal(deps: { db: Db; stripe: Stripe }, request: PortalRequest, idempotencyKey: string, authorize: (userId: string | null) => void = () => undefined): Promise<Stripe.BillingPortal.Session> {
  const where = request.user_id !== undefined ? { user_id: request.user_id } : { stripe_customer_id: request.customer };
  const row = await deps.db('customers').where(where).where({ deleted: false }).whereNotNull('stripe_customer_id')
    .first<{ stripe_customer_id: string; user_id: string | null } | undefined>('stripe_customer_id', 'user_id');
  if (!row) {
    const named = request.user_id !== undefined ? `user ${request.user_id}` : `customer ${request.customer}`;
    throw notFound('customer_not_found', `${named} has no billing customer here; start a checkout first`);
  }
  authorize(row.user_id);
  return deps.stripe.billingPortal.sessions.create({ customer: row.stripe_customer_id, return_url: request.return_url }, { idempotencyKey });
}
