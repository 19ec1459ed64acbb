import { isStripeNotFound } from '../stripe-errors.js';
import type { Stripe } from '../stripe.js';

export interface CustomerSnapshot {
  /** When the first Stripe call started: the compare-and-set guard of every row written from it. */
  fetchStartedAt: Date;
  customer: Stripe.Customer | Stripe.DeletedCustomer;
  subscriptions: Stripe.Subscription[];
  refundedCharges: Set<string>;
  refundedIntents: Set<string>;
}

type FetchedCustomer = Stripe.Customer | Stripe.DeletedCustomer;

const isCustomerObject = (customer: Stripe.Subscription['customer']): customer is FetchedCustomer => typeof customer === 'object';

/**
 * Current state of one customer from Stripe: all its subscriptions (every status, auto-paginated,
 * each with its customer, latest invoice and the invoice's payments expanded), the customer itself
 * (carried by its subscriptions; fetched on its own only when it has none) and, only when some
 * latest invoice is paid, its fully refunded charges. One call for a customer with subscriptions
 * and nothing paid, two with refund data or without subscriptions.
 */
export async function fetchCustomer(stripe: Stripe, stripeCustomerId: string): Promise<CustomerSnapshot> {
  const fetchStartedAt = new Date();
  let listRefused: unknown;
  const subscriptions = await stripe.subscriptions
    .list({ customer: stripeCustomerId, status: 'all', limit: 100, expand: ['data.customer', 'data.latest_invoice.payments'] })
    .autoPagingToArray({ limit: 10_000 })
    .catch((error: unknown) => {
      // Stripe may refuse to list for a customer it deleted; the customer call below tells.
      if (!isStripeNotFound(error)) throw error;
      listRefused = error;
      return undefined;
    });
  const customer = subscriptions?.map((sub) => sub.customer).find(isCustomerObject) ?? await stripe.customers.retrieve(stripeCustomerId);
  if (customer.deleted) return { fetchStartedAt, customer, subscriptions: [], refundedCharges: new Set(), refundedIntents: new Set() };
  if (!subscriptions) throw listRefused;
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
