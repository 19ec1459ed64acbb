import type Stripe from 'stripe';
import type { SimContext } from '../context.js';
import { buildInvoice } from '../objects/invoice.js';
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
