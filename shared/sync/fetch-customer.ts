import { isStripeNotFound } from '../infra/stripe-errors.js';
import type { Stripe } from '../infra/stripe.js';
import { billsInOtherCurrency, latestInvoicePayers, type PriceAmounts } from './stripe-rows.js';

export interface CustomerSnapshot {
  /** When the first Stripe call started: the compare-and-set guard of every row written from it. */
  fetchStartedAt: Date;
  customer: Stripe.Customer | Stripe.DeletedCustomer;
  subscriptions: Stripe.Subscription[];
  refundedCharges: Set<string>;
  refundedIntents: Set<string>;
  /** Status of the latest dispute on each disputed charge paying a latest invoice, by charge id and by payment intent id. */
  disputes: Map<string, string>;
  /** Amounts per currency of the prices billed in a currency other than their own. */
  priceAmounts?: PriceAmounts | undefined;
}

type FetchedCustomer = Stripe.Customer | Stripe.DeletedCustomer;

const isCustomerObject = (customer: Stripe.Subscription['customer']): customer is FetchedCustomer => typeof customer === 'object';

/**
 * Current state of one customer from Stripe: all its subscriptions (every status, auto-paginated,
 * each with its customer, latest invoice and the invoice's payments expanded), the customer itself
 * (carried by its subscriptions; fetched on its own only when it has none) and, only when some
 * latest invoice is paid, its fully refunded charges and the latest dispute of each disputed charge
 * that paid a latest invoice. One call for a customer with subscriptions and nothing paid, two with
 * refund data or without subscriptions, one more per disputed charge.
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
  if (customer.deleted) return { fetchStartedAt, customer, subscriptions: [], refundedCharges: new Set(), refundedIntents: new Set(), disputes: new Map(), priceAmounts: new Map() };
  if (!subscriptions) throw listRefused;
  const refundedCharges = new Set<string>();
  const refundedIntents = new Set<string>();
  const disputes = new Map<string, string>();
  const anyPaid = subscriptions.some((sub) => typeof sub.latest_invoice === 'object' && sub.latest_invoice?.status === 'paid');
  if (anyPaid) {
    const charges = await stripe.charges.list({ customer: stripeCustomerId, limit: 100 }).autoPagingToArray({ limit: 1000 });
    const payers = new Set(subscriptions.flatMap(latestInvoicePayers));
    for (const charge of charges) {
      const intent = charge.payment_intent ? (typeof charge.payment_intent === 'string' ? charge.payment_intent : charge.payment_intent.id) : null;
      if (charge.refunded) {
        refundedCharges.add(charge.id);
        if (intent) refundedIntents.add(intent);
      }
      if (!charge.disputed || !(payers.has(charge.id) || (intent !== null && payers.has(intent)))) continue;
      // Newest first: the latest dispute decides (a charge disputed again after one was won).
      const [latest] = (await stripe.disputes.list({ charge: charge.id, limit: 1 })).data;
      if (!latest) continue;
      disputes.set(charge.id, latest.status);
      if (intent) disputes.set(intent, latest.status);
    }
  }
  return { fetchStartedAt, customer, subscriptions, refundedCharges, refundedIntents, disputes, priceAmounts: await otherCurrencyAmounts(stripe, subscriptions) };
}

/**
 * A subscription in a currency other than its prices' own bills at the amounts of their
 * `currency_options`, which Stripe leaves off nested prices: each such price is fetched once with
 * them. Nothing is fetched for subscriptions in their prices' currency (the common case).
 */
async function otherCurrencyAmounts(stripe: Stripe, subscriptions: readonly Stripe.Subscription[]): Promise<PriceAmounts> {
  const needed = new Set(subscriptions.flatMap((subscription) => subscription.items.data
    .filter((item) => billsInOtherCurrency(subscription, item) && !item.price.currency_options)
    .map((item) => item.price.id)));
  const amounts = new Map<string, Record<string, number | null>>();
  for (const id of needed) {
    const price = await stripe.prices.retrieve(id, { expand: ['currency_options'] });
    amounts.set(id, Object.fromEntries(Object.entries(price.currency_options ?? {}).map(([currency, option]) => [currency, option.unit_amount])));
  }
  return amounts;
}
