import type Stripe from 'stripe';
import type { SimContext } from '../context.js';
import { meterUsage } from '../ops/meters.js';
import { taxOn, unitAmountIn } from '../ops/money.js';

export interface InvoiceInput {
  customer: Stripe.Customer;
  subscription: Stripe.Subscription;
  billingReason: Stripe.Invoice.BillingReason;
  period: { start: number; end: number };
  /** Zero-amount lines for trials. */
  free?: boolean;
  /** The period whose meter usage metered items bill (the one that just ended); none at signup. */
  usagePeriod?: { start: number; end: number };
}

/** A metered item's quantity: its meter's usage by the customer in the usage period (in arrears). */
function meteredQuantity(ctx: SimContext, subscription: Stripe.Subscription, item: Stripe.SubscriptionItem, usagePeriod: { start: number; end: number } | undefined): number {
  const meter = ctx.store.meters.get(item.price.recurring?.meter ?? '');
  const customer = typeof subscription.customer === 'string' ? subscription.customer : subscription.customer.id;
  return meter && usagePeriod ? meterUsage(ctx, meter, customer, usagePeriod.start, usagePeriod.end) : 0;
}

function buildLine(
  ctx: SimContext,
  invoice: string,
  subscription: Stripe.Subscription,
  item: Stripe.SubscriptionItem,
  period: { start: number; end: number },
  free: boolean,
  usagePeriod: { start: number; end: number } | undefined,
): Stripe.InvoiceLineItem {
  const metered = item.price.recurring?.usage_type === 'metered';
  const quantity = metered ? meteredQuantity(ctx, subscription, item, usagePeriod) : item.quantity ?? 1;
  const linePeriod = metered ? usagePeriod ?? { start: period.start, end: period.start } : period;
  const currency = subscription.currency;
  const amount = free ? 0 : unitAmountIn(ctx, item.price, currency) * quantity;
  const product = typeof item.price.product === 'string' ? item.price.product : item.price.product.id;
  const tax = subscription.automatic_tax.enabled ? [simulatedTax(amount, currency)] : [];
  return {
    id: ctx.ids.next('il'),
    object: 'line_item',
    amount,
    currency,
    description: `${quantity} × ${item.price.nickname ?? item.price.lookup_key ?? product}${free ? ' (trial)' : ''}`,
    discount_amounts: [],
    discountable: true,
    discounts: [],
    invoice,
    livemode: false,
    metadata: {},
    parent: {
      invoice_item_details: null,
      subscription_item_details: { invoice_item: null, proration: false, proration_details: null, subscription: subscription.id, subscription_item: item.id },
      type: 'subscription_item_details',
    },
    period: { start: linePeriod.start, end: linePeriod.end },
    pretax_credit_amounts: [],
    pricing: { price_details: { price: item.price.id, product }, type: 'price_details', unit_amount_decimal: null },
    quantity,
    quantity_decimal: null,
    subscription: subscription.id,
    subtotal: amount,
    taxes: tax.map((entry) => ({ ...entry, tax_rate_details: { tax_rate: simulatedTaxRateId(currency) } })),
  };
}

/** The simulator's stand-in for a Stripe Tax rate object: one id per currency's fixed rate. */
const simulatedTaxRateId = (currency: string) => `txr_sim_${currency}`;

/** Tax at the currency's fixed rate, exclusive of the price (ops/money.ts). */
function simulatedTax(amount: number, currency: string): Stripe.Invoice.TotalTax {
  return {
    amount: taxOn(amount, currency),
    tax_behavior: 'exclusive',
    tax_rate_details: { tax_rate: simulatedTaxRateId(currency) },
    taxability_reason: 'standard_rated',
    taxable_amount: amount,
    type: 'tax_rate_details',
  };
}

/** A draft subscription invoice; `finalize` and payment attempts move it on. */
export function buildInvoice(ctx: SimContext, input: InvoiceInput): Stripe.Invoice {
  const id = ctx.ids.next('in');
  const now = ctx.clock.now();
  const lines = input.subscription.items.data.map((item) => buildLine(ctx, id, input.subscription, item, input.period, input.free ?? false, input.usagePeriod));
  const subtotal = lines.reduce((sum, line) => sum + line.amount, 0);
  // The invoice's tax is the sum of its lines' (each rounded on its own, as Stripe does).
  const tax = lines.reduce((sum, line) => sum + (line.taxes ?? []).reduce((lineSum, entry) => lineSum + entry.amount, 0), 0);
  const taxes = input.subscription.automatic_tax.enabled ? [{ ...simulatedTax(subtotal, input.subscription.currency), amount: tax }] : [];
  const total = subtotal + tax;
  const customer = input.customer;
  return {
    id,
    object: 'invoice',
    account_country: 'US',
    account_name: 'Stripe Simulator',
    account_tax_ids: null,
    amount_due: total,
    amount_overpaid: 0,
    amount_paid: 0,
    amount_remaining: total,
    amount_shipping: 0,
    application: null,
    attempt_count: 0,
    attempted: false,
    auto_advance: true,
    automatic_tax: input.subscription.automatic_tax.enabled
      ? { disabled_reason: null, enabled: true, liability: { type: 'self' }, provider: 'stripe', status: 'complete' }
      : { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: null,
    billing_reason: input.billingReason,
    collection_method: 'charge_automatically',
    created: now,
    currency: input.subscription.currency,
    custom_fields: null,
    customer: customer.id,
    customer_account: null,
    customer_address: null,
    customer_email: customer.email,
    customer_name: customer.name ?? null,
    customer_phone: customer.phone ?? null,
    customer_shipping: null,
    customer_tax_exempt: 'none',
    customer_tax_ids: [],
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    due_date: null,
    effective_at: null,
    ending_balance: null,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines: { object: 'list', data: lines, has_more: false, url: `/v1/invoices/${id}/lines` },
    livemode: false,
    metadata: {},
    next_payment_attempt: null,
    number: null,
    on_behalf_of: null,
    parent: {
      quote_details: null,
      subscription_details: { metadata: structuredClone(input.subscription.metadata), subscription: input.subscription.id },
      type: 'subscription_details',
    },
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: input.period.end,
    period_start: input.period.start,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: 'draft',
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subtotal,
    subtotal_excluding_tax: subtotal,
    test_clock: null,
    total,
    total_discount_amounts: [],
    total_excluding_tax: subtotal,
    total_pretax_credit_amounts: [],
    total_taxes: taxes,
    webhooks_delivered_at: null,
  };
}
