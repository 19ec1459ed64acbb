import type { Stripe } from '../infra/stripe.js';

/** Pure mapping from Stripe objects (pinned API version) to mirror rows. */

const toDate = (seconds: number | null | undefined): Date | null => (typeof seconds === 'number' ? new Date(seconds * 1000) : null);
const idOf = (value: string | { id: string } | null | undefined): string | null => (value == null ? null : typeof value === 'string' ? value : value.id);

export interface SubscriptionRow {
  id: string; stripe_customer_id: string; status: string; cancel_at_period_end: boolean; cancel_at: Date | null; canceled_at: Date | null;
  ended_at: Date | null; trial_end: Date | null; latest_invoice_id: string | null; latest_invoice_status: string | null;
  latest_invoice_refunded: boolean; latest_invoice_charge_id: string | null; latest_invoice_dispute_status: string | null;
  currency: string | null; metadata: string; stripe_created: Date | null;
}

export interface ItemRow {
  id: string; subscription_id: string; price_id: string; product_id: string; lookup_key: string | null; quantity: number;
  /** Minor units of `currency`, the subscription's currency. */
  unit_amount: number | null; currency: string; current_period_start: Date | null; current_period_end: Date | null;
}

/** The paid invoice payments of a subscription's latest invoice, when it is expanded and paid. */
function paidPayments(subscription: Stripe.Subscription): Stripe.InvoicePayment[] {
  const invoice = subscription.latest_invoice;
  if (!invoice || typeof invoice === 'string' || invoice.status !== 'paid') return [];
  return (invoice.payments?.data ?? []).filter((payment) => payment.status === 'paid');
}

/** Ids of the charges and payment intents that paid a subscription's latest invoice. */
export function latestInvoicePayers(subscription: Stripe.Subscription): string[] {
  return paidPayments(subscription).flatMap((payment) => [idOf(payment.payment.charge), idOf(payment.payment.payment_intent)]).filter((id): id is string => id !== null);
}

/** The first charge (else payment intent) that paid the latest invoice: what a refund or a dispute names. */
export function latestInvoiceCharge(subscription: Stripe.Subscription): string | null {
  const [first] = paidPayments(subscription);
  return first ? (idOf(first.payment.charge) ?? idOf(first.payment.payment_intent)) : null;
}

/**
 * Status of the latest dispute on a charge that paid the latest invoice, or null when none is
 * disputed. With several paying charges, an open or lost dispute outranks a closed-in-favour one.
 */
export function latestInvoiceDisputeStatus(subscription: Stripe.Subscription, disputes: ReadonlyMap<string, string>): string | null {
  const statuses = paidPayments(subscription)
    .map((payment) => disputes.get(idOf(payment.payment.charge) ?? '') ?? disputes.get(idOf(payment.payment.payment_intent) ?? ''))
    .filter((status): status is string => status !== undefined);
  return statuses.find((status) => !settledInFavour.has(status)) ?? statuses[0] ?? null;
}

const settledInFavour = new Set(['won', 'warning_closed', 'prevented']);

/**
 * A subscription's latest invoice counts as refunded when it was paid and every charge that paid it
 * is fully refunded. Invoices name their charges through invoice payments (API 2025-03-31+).
 */
export function latestInvoiceRefunded(subscription: Stripe.Subscription, refundedCharges: ReadonlySet<string>, refundedIntents: ReadonlySet<string>): boolean {
  const payments = paidPayments(subscription);
  if (payments.length === 0) return false;
  return payments.every((payment) => {
    const charge = idOf(payment.payment.charge);
    const intent = idOf(payment.payment.payment_intent);
    return (charge !== null && refundedCharges.has(charge)) || (intent !== null && refundedIntents.has(intent));
  });
}

export function subscriptionRow(subscription: Stripe.Subscription, refunded: boolean, disputeStatus: string | null = null): SubscriptionRow {
  const invoice = subscription.latest_invoice;
  return {
    id: subscription.id,
    stripe_customer_id: idOf(subscription.customer) ?? '',
    status: subscription.status,
    cancel_at_period_end: subscription.cancel_at_period_end,
    cancel_at: toDate(subscription.cancel_at),
    canceled_at: toDate(subscription.canceled_at),
    ended_at: toDate(subscription.ended_at),
    trial_end: toDate(subscription.trial_end),
    latest_invoice_id: idOf(invoice),
    latest_invoice_status: invoice && typeof invoice !== 'string' ? (invoice.status ?? null) : null,
    latest_invoice_refunded: refunded,
    latest_invoice_charge_id: latestInvoiceCharge(subscription),
    latest_invoice_dispute_status: disputeStatus,
    currency: subscription.currency,
    metadata: JSON.stringify(subscription.metadata),
    stripe_created: toDate(subscription.created),
  };
}

/** Unit amounts of prices in currencies other than their own, by price id then currency (from `currency_options`). */
export type PriceAmounts = ReadonlyMap<string, Readonly<Record<string, number | null>>>;

/** Whether an item bills in a currency other than its price's own (a price with `currency_options`). */
export const billsInOtherCurrency = (subscription: Stripe.Subscription, item: Stripe.SubscriptionItem): boolean => item.price.currency !== subscription.currency;

/**
 * An item's unit amount in the subscription's currency: the price's own amount when the currencies
 * agree, else the amount of the price's `currency_options` in that currency (as carried on the
 * price, or as fetched beside it), else unknown: never an amount in another currency.
 */
function unitAmountIn(subscription: Stripe.Subscription, item: Stripe.SubscriptionItem, amounts: PriceAmounts): number | null {
  if (!billsInOtherCurrency(subscription, item)) return item.price.unit_amount ?? null;
  return item.price.currency_options?.[subscription.currency]?.unit_amount ?? amounts.get(item.price.id)?.[subscription.currency] ?? null;
}

export function itemRows(subscription: Stripe.Subscription, amounts: PriceAmounts = new Map()): ItemRow[] {
  return subscription.items.data.map((item) => ({
    id: item.id,
    subscription_id: subscription.id,
    price_id: item.price.id,
    product_id: idOf(item.price.product) ?? '',
    lookup_key: item.price.lookup_key ?? null,
    quantity: item.quantity ?? 1,
    unit_amount: unitAmountIn(subscription, item, amounts),
    currency: subscription.currency,
    current_period_start: toDate(item.current_period_start),
    current_period_end: toDate(item.current_period_end),
  }));
}
