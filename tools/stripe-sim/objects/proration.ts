import type Stripe from 'stripe';
import type { SimContext } from '../context.js';
import { invalidRequest } from '../errors.js';
import { productIdOf } from '../ops/lookup.js';

export type ProrationBehavior = 'create_prorations' | 'always_invoice' | 'none';

/** An item as it is before or after a change: a price and a quantity. */
export interface ItemTerms {
  price: Stripe.Price;
  quantity: number;
}

/** The current period of a subscription item, which a proration date must lie in. */
export interface ProrationWindow {
  start: number;
  end: number;
}

/**
 * Stripe refuses a proration date outside the current period (`Cannot specify proration date
 * outside of current subscription period`); without one, the change prorates from now.
 */
export function prorationDateIn(window: ProrationWindow, asked: number | undefined, now: number, param: string): number {
  const at = asked ?? now;
  if (at < window.start || at > window.end) {
    throw invalidRequest(`Cannot specify proration date outside of current subscription period (${window.start}–${window.end}).`, 'parameter_invalid', param);
  }
  return at;
}

/**
 * The share of `amount` for the rest of the period after `at`, to the second as Stripe computes it,
 * rounded to a whole minor unit.
 */
export function prorated(amount: number, window: ProrationWindow, at: number): number {
  const length = window.end - window.start;
  return length <= 0 ? 0 : Math.round((amount * (window.end - at)) / length);
}

function prorationLine(ctx: SimContext, subscription: Stripe.Subscription, item: string, terms: ItemTerms, amount: number, description: string, window: ProrationWindow, at: number): Stripe.InvoiceLineItem {
  const product = productIdOf(terms.price);
  return {
    id: ctx.ids.next('il'),
    object: 'line_item',
    amount,
    currency: terms.price.currency,
    description,
    discount_amounts: [],
    discountable: false,
    discounts: [],
    invoice: null,
    livemode: false,
    metadata: {},
    parent: {
      invoice_item_details: null,
      subscription_item_details: { invoice_item: ctx.ids.next('ii'), proration: true, proration_details: { credited_items: null }, subscription: subscription.id, subscription_item: item },
      type: 'subscription_item_details',
    },
    period: { start: at, end: window.end },
    pretax_credit_amounts: [],
    pricing: { price_details: { price: terms.price.id, product }, type: 'price_details', unit_amount_decimal: null },
    quantity: terms.quantity,
    quantity_decimal: null,
    subscription: subscription.id,
    subtotal: amount,
    taxes: [],
  };
}

const nameOf = (price: Stripe.Price): string => price.nickname ?? price.lookup_key ?? productIdOf(price);
const dayOf = (t: number): string => new Date(t * 1000).toISOString().slice(0, 10);

/**
 * The proration lines of an item change at `at`, as Stripe writes them: a credit for the unused
 * time on the old terms and a charge for the remaining time on the new ones, each the full amount
 * times the share of the period left. An unchanged item prorates nothing.
 */
export function prorationLines(ctx: SimContext, subscription: Stripe.Subscription, item: string, before: ItemTerms, after: ItemTerms, window: ProrationWindow, at: number): Stripe.InvoiceLineItem[] {
  if (before.price.id === after.price.id && before.quantity === after.quantity) return [];
  const credit = prorated((before.price.unit_amount ?? 0) * before.quantity, window, at);
  const charge = prorated((after.price.unit_amount ?? 0) * after.quantity, window, at);
  return [
    prorationLine(ctx, subscription, item, before, -credit, `Unused time on ${before.quantity} × ${nameOf(before.price)} after ${dayOf(at)}`, window, at),
    prorationLine(ctx, subscription, item, after, charge, `Remaining time on ${after.quantity} × ${nameOf(after.price)} after ${dayOf(at)}`, window, at),
  ];
}

/**
 * `invoice` with `lines` added and its amounts summed again, tax included. A negative total is due
 * as zero (Stripe would credit the customer's balance, which the simulator does not keep).
 */
export function withLines(invoice: Stripe.Invoice, lines: Stripe.InvoiceLineItem[], replace = false): Stripe.Invoice {
  const all = [...(replace ? [] : invoice.lines.data), ...lines.map((line) => ({ ...line, invoice: invoice.id }))];
  const subtotal = all.reduce((sum, line) => sum + line.amount, 0);
  // Tax stays the sum of the lines' own (proration lines carry none).
  const tax = all.reduce((sum, line) => sum + (line.taxes ?? []).reduce((lineSum, entry) => lineSum + entry.amount, 0), 0);
  const total = subtotal + tax;
  const due = Math.max(0, total);
  return Object.assign(invoice, {
    lines: { ...invoice.lines, data: all },
    subtotal, subtotal_excluding_tax: subtotal, total, total_excluding_tax: subtotal,
    total_taxes: (invoice.total_taxes ?? []).map((entry) => ({ ...entry, amount: tax })),
    amount_due: due, amount_remaining: due,
  } satisfies Partial<Stripe.Invoice>);
}
