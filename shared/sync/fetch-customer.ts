import type { Stripe } from '../stripe.js';

export interface CustomerSnapshot {
  /** When the first Stripe call started: the compare-and-set guard of every row written from it. */
  fetchStartedAt: Date;
  customer: Stripe.Customer | Stripe.DeletedCustomer;
  subscriptions: Stripe.Subscription[];
  refundedCharges: Set<string>;
  refundedIntents: Set<string>;
}

/**
 * Current state of one customer from Stripe: the customer, all its subscriptions (every status,
 * auto-paginated, latest invoice and its payments expanded) and, only when some latest invoice is
 * paid, its fully refunded charges. Two calls in the common case, three with refund data.
 */
export async function fetchCustomer(stripe: Stripe, stripeCustomerId: string): Promise<CustomerSnapshot> {
  const fetchStartedAt = new Date();
  const customer = await stripe.customers.retrieve(stripeCustomerId);
  if (customer.deleted) return { fetchStartedAt, customer, subscriptions: [], refundedCharges: new Set(), refundedIntents: new Set() };
  const subscriptions = await stripe.subscriptions
    .list({ customer: stripeCustomerId, status: 'all', limit: 100, expand: ['data.latest_invoice.payments'] })
    .autoPagingToArray({ limit: 10_000 });
  const refundedCharges = new Set<string>();
  const refundedIntents = new Set<string>();
  const anyPaid = subscriptions.some((sub) => typeof sub.latest_invoice === 'object' && sub.latest_invoice?.status === 'paid');
  if (anyPaid) {
    const charges = await stripe.charges.list({ customer: stripeCustomerId, limit: 100 }).autoPagingToArray({ limit: 1000 });
    for (const charge of charges) {
      if (!charge.refunded) continue;
      refundedCharges.add(charge.id);
      const intent = charge.payment_intent;
      if (intent) refundedIntents.add(typeof intent === 'string' ? intent : intent.id);
    }
  }
  return { fetchStartedAt, customer, subscriptions, refundedCharges, refundedIntents };
}
