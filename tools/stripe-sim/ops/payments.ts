import type Stripe from 'stripe';
import type { SimContext } from '../context.js';
import { buildCharge, buildInvoicePayment, buildPaymentIntent } from '../objects/payment.js';
import { secondsPerDay } from '../objects/period.js';
import type { PaymentOutcome } from '../store.js';
import { idOf } from '../id-of.js';
import { liveCustomer } from './lookup.js';

/** Days after a failed attempt when Stripe's retry schedule tries again; then it gives up. */
export const retryScheduleDays = [3, 5, 7] as const;

/**
 * What charging this customer does: an explicit override from the control API, else the test
 * payment method on file (`pm_card_chargeCustomerFail`, `…decline…` fail), else success.
 */
export function paymentOutcome(ctx: SimContext, customer: Stripe.Customer): PaymentOutcome {
  const explicit = ctx.store.paymentOutcomes.get(customer.id);
  if (explicit) return explicit;
  const method = customer.invoice_settings.default_payment_method;
  const id = typeof method === 'string' ? method : (method?.id ?? '');
  return /fail|decline/i.test(id) ? 'fail' : 'succeed';
}

function paymentMethodOf(customer: Stripe.Customer): string {
  const method = customer.invoice_settings.default_payment_method;
  return (typeof method === 'string' ? method : method?.id) ?? 'pm_card_visa';
}

/** The invoice's payment intent and invoice payment, created on the first attempt and reused by retries. */
function paymentIntentFor(ctx: SimContext, invoice: Stripe.Invoice, customer: Stripe.Customer): Stripe.PaymentIntent {
  for (const payment of ctx.store.invoicePayments.values()) {
    if (payment.invoice === invoice.id && payment.payment.payment_intent) {
      const found = ctx.store.paymentIntents.get(idOf(payment.payment.payment_intent) ?? '');
      if (found) return found;
    }
  }
  const intent = buildPaymentIntent(ctx, {
    customer, amount: invoice.amount_due, currency: invoice.currency, description: `Invoice ${invoice.number ?? invoice.id}`,
    paymentMethod: paymentMethodOf(customer), succeeded: false,
  });
  ctx.store.paymentIntents.set(intent.id, intent);
  const invoicePayment = buildInvoicePayment(ctx, invoice, intent.id);
  ctx.store.invoicePayments.set(invoicePayment.id, invoicePayment);
  return intent;
}

function markPaid(ctx: SimContext, invoice: Stripe.Invoice, amount: number): void {
  const now = ctx.clock.now();
  Object.assign(invoice, {
    status: 'paid', amount_paid: amount, amount_remaining: 0, attempted: true, next_payment_attempt: null,
    status_transitions: { ...invoice.status_transitions, paid_at: now },
  } satisfies Partial<Stripe.Invoice>);
  ctx.events.emit('invoice.paid', invoice);
  ctx.events.emit('invoice.payment_succeeded', invoice);
}

/**
 * One payment attempt on an open invoice. Zero-amount invoices (trials) are paid without a
 * charge. Returns whether the invoice is paid; on failure schedules Stripe's next retry.
 */
export function attemptInvoicePayment(ctx: SimContext, invoice: Stripe.Invoice): { paid: boolean; charge: Stripe.Charge | null } {
  const customer = liveCustomer(ctx, idOf(invoice.customer) ?? '');
  invoice.attempt_count += 1;
  invoice.attempted = true;
  if (invoice.amount_due === 0) {
    markPaid(ctx, invoice, 0);
    return { paid: true, charge: null };
  }
  const succeeded = paymentOutcome(ctx, customer) === 'succeed';
  const intent = paymentIntentFor(ctx, invoice, customer);
  const charge = buildCharge(ctx, {
    customer, amount: invoice.amount_due, currency: invoice.currency, description: intent.description,
    paymentMethod: paymentMethodOf(customer), succeeded,
  }, intent.id);
  ctx.store.charges.set(charge.id, charge);
  intent.latest_charge = charge.id;
  if (!succeeded) {
    intent.status = 'requires_payment_method';
    const retryDays = retryScheduleDays[invoice.attempt_count - 1];
    invoice.next_payment_attempt = retryDays === undefined ? null : ctx.clock.now() + retryDays * secondsPerDay;
    ctx.events.emit('charge.failed', charge);
    ctx.events.emit('payment_intent.payment_failed', intent);
    ctx.events.emit('invoice.payment_failed', invoice);
    return { paid: false, charge };
  }
  Object.assign(intent, { status: 'succeeded', amount_received: intent.amount } satisfies Partial<Stripe.PaymentIntent>);
  for (const payment of ctx.store.invoicePayments.values()) {
    if (payment.invoice !== invoice.id || payment.payment.payment_intent !== intent.id) continue;
    Object.assign(payment, { status: 'paid', amount_paid: invoice.amount_due, status_transitions: { canceled_at: null, paid_at: ctx.clock.now() } });
    ctx.events.emit('charge.succeeded', charge);
    ctx.events.emit('payment_intent.succeeded', intent);
    ctx.events.emit('invoice_payment.paid', payment);
  }
  markPaid(ctx, invoice, invoice.amount_due);
  return { paid: true, charge };
}
