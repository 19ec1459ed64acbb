import type Stripe from 'stripe';
import type { SimContext } from '../context.js';

export interface PaymentInput {
  customer: Stripe.Customer;
  amount: number;
  currency: string;
  description: string | null;
  paymentMethod: string;
  succeeded: boolean;
}

/** The PaymentIntent an invoice payment goes through (charge ↔ invoice link of this API version). */
export function buildPaymentIntent(ctx: SimContext, input: PaymentInput): Stripe.PaymentIntent {
  const id = ctx.ids.next('pi');
  return {
    id,
    object: 'payment_intent',
    allowed_payment_method_types: null,
    amount: input.amount,
    amount_capturable: 0,
    amount_received: input.succeeded ? input.amount : 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'automatic',
    client_secret: `${id}_secret_${ctx.ids.next('s').slice(2, 18)}`,
    confirmation_method: 'automatic',
    created: ctx.clock.now(),
    currency: input.currency,
    customer: input.customer.id,
    customer_account: null,
    description: input.description,
    excluded_payment_method_types: null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    managed_payments: null,
    metadata: {},
    next_action: null,
    on_behalf_of: null,
    payment_method: input.paymentMethod,
    payment_method_configuration_details: null,
    payment_method_options: null,
    payment_method_types: ['card'],
    payment_record: null,
    processing: null,
    receipt_email: input.customer.email,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: input.succeeded ? 'succeeded' : 'requires_payment_method',
    transfer_group: null,
  };
}

export function buildCharge(ctx: SimContext, input: PaymentInput, paymentIntent: string): Stripe.Charge {
  const id = ctx.ids.next('ch');
  return {
    id,
    object: 'charge',
    amount: input.amount,
    amount_captured: input.succeeded ? input.amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: input.succeeded ? ctx.ids.next('txn') : null,
    billing_details: { address: null, email: input.customer.email, name: input.customer.name ?? null, phone: null, tax_id: null },
    calculated_statement_descriptor: 'STRIPE SIMULATOR',
    captured: input.succeeded,
    created: ctx.clock.now(),
    currency: input.currency,
    customer: input.customer.id,
    description: input.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: input.succeeded ? null : 'card_declined',
    failure_message: input.succeeded ? null : 'Your card was declined.',
    fraud_details: {},
    livemode: false,
    metadata: {},
    on_behalf_of: null,
    outcome: {
      advice_code: null,
      network_advice_code: null,
      network_decline_code: null,
      network_status: input.succeeded ? 'approved_by_network' : 'declined_by_network',
      reason: input.succeeded ? null : 'generic_decline',
      risk_level: 'normal',
      seller_message: input.succeeded ? 'Payment complete.' : 'The bank did not return any further details with this decline.',
      type: input.succeeded ? 'authorized' : 'issuer_declined',
    },
    paid: input.succeeded,
    payment_intent: paymentIntent,
    payment_method: input.paymentMethod,
    payment_method_details: null,
    receipt_email: input.customer.email,
    receipt_number: null,
    receipt_url: `${ctx.baseUrl()}/receipts/${id}`,
    refunded: false,
    refunds: { object: 'list', data: [], has_more: false, url: `/v1/charges/${id}/refunds` },
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: input.succeeded ? 'succeeded' : 'failed',
    transfer_data: null,
    transfer_group: null,
  };
}

export function buildInvoicePayment(ctx: SimContext, invoice: Stripe.Invoice, paymentIntent: string): Stripe.InvoicePayment {
  return {
    id: ctx.ids.next('inpay'),
    object: 'invoice_payment',
    amount_paid: null,
    amount_requested: invoice.amount_due,
    created: ctx.clock.now(),
    currency: invoice.currency,
    invoice: invoice.id,
    is_default: true,
    livemode: false,
    payment: { payment_intent: paymentIntent, type: 'payment_intent' },
    status: 'open',
    status_transitions: { canceled_at: null, paid_at: null },
  };
}

export function buildRefund(ctx: SimContext, charge: Stripe.Charge, amount: number, reason: Stripe.Refund.Reason | null): Stripe.Refund {
  return {
    id: ctx.ids.next('re'),
    object: 'refund',
    amount,
    balance_transaction: ctx.ids.next('txn'),
    charge: charge.id,
    created: ctx.clock.now(),
    currency: charge.currency,
    customer: typeof charge.customer === 'string' ? charge.customer : (charge.customer?.id ?? null),
    customer_account: null,
    metadata: {},
    payment_intent: typeof charge.payment_intent === 'string' ? charge.payment_intent : (charge.payment_intent?.id ?? null),
    payment_method: charge.payment_method,
    reason,
    receipt_number: null,
    source_transfer_reversal: null,
    status: 'succeeded',
    transfer_reversal: null,
  };
}
