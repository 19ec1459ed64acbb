import type Stripe from 'stripe';
import type { SimContext } from '../context.js';
import { buildInvoice } from '../objects/invoice.js';
import { withLines } from '../objects/proration.js';
import { idOf } from '../id-of.js';
import { liveCustomer } from './lookup.js';
import { attemptInvoicePayment } from './payments.js';

export interface IssuedInvoice {
  invoice: Stripe.Invoice;
  paid: boolean;
}

/**
 * Creates, finalizes and tries to pay a subscription invoice, as Stripe does at signup and at
 * each renewal: `invoice.created`, `invoice.finalized`, then the payment events.
 */
export function issueInvoice(
  ctx: SimContext,
  subscription: Stripe.Subscription,
  billingReason: Stripe.Invoice.BillingReason,
  period: { start: number; end: number },
  free = false,
  usagePeriod?: { start: number; end: number },
): IssuedInvoice {
  const customer = liveCustomer(ctx, idOf(subscription.customer) ?? '');
  const invoice = buildInvoice(ctx, { customer, subscription, billingReason, period, free, ...(usagePeriod && { usagePeriod }) });
  // A renewal also bills the prorations of changes made during the period that just ended.
  if (billingReason === 'subscription_cycle') withLines(invoice, takePendingProrations(ctx, subscription.id));
  return chargeInvoice(ctx, subscription, customer, invoice);
}

/** The proration lines waiting for a subscription's next invoice, removed from the waiting list. */
export function takePendingProrations(ctx: SimContext, subscription: string): Stripe.InvoiceLineItem[] {
  const pending = ctx.store.pendingProrations.get(subscription) ?? [];
  ctx.store.pendingProrations.delete(subscription);
  return pending;
}

/**
 * Bills prorations at once (`proration_behavior: always_invoice`): an invoice of the pending
 * proration lines and `lines`, `billing_reason: subscription_update`, finalized and charged now.
 */
export function issueProrationInvoice(ctx: SimContext, subscription: Stripe.Subscription, lines: Stripe.InvoiceLineItem[]): IssuedInvoice {
  const customer = liveCustomer(ctx, idOf(subscription.customer) ?? '');
  const now = ctx.clock.now();
  const invoice = buildInvoice(ctx, { customer, subscription, billingReason: 'subscription_update', period: { start: now, end: now } });
  withLines(invoice, [...takePendingProrations(ctx, subscription.id), ...lines], true);
  return chargeInvoice(ctx, subscription, customer, invoice);
}

function chargeInvoice(ctx: SimContext, subscription: Stripe.Subscription, customer: Stripe.Customer, invoice: Stripe.Invoice): IssuedInvoice {
  ctx.store.invoices.set(invoice.id, invoice);
  subscription.latest_invoice = invoice.id;
  ctx.events.emit('invoice.created', invoice);
  finalizeInvoice(ctx, invoice, customer);
  const { paid } = attemptInvoicePayment(ctx, invoice);
  return { invoice, paid };
}

export function finalizeInvoice(ctx: SimContext, invoice: Stripe.Invoice, customer: Stripe.Customer): void {
  const sequence = customer.next_invoice_sequence ?? 1;
  customer.next_invoice_sequence = sequence + 1;
  Object.assign(invoice, {
    status: 'open',
    number: `${customer.invoice_prefix ?? 'SIM'}-${String(sequence).padStart(4, '0')}`,
    effective_at: ctx.clock.now(),
    hosted_invoice_url: `${ctx.baseUrl()}/invoices/${invoice.id}`,
    invoice_pdf: `${ctx.baseUrl()}/invoices/${invoice.id}/pdf`,
    status_transitions: { ...invoice.status_transitions, finalized_at: ctx.clock.now() },
  } satisfies Partial<Stripe.Invoice>);
  ctx.events.emit('invoice.finalized', invoice);
}
