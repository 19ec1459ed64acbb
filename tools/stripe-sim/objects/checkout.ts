import type Stripe from 'stripe';
import type { SimContext } from '../context.js';
import { secondsPerDay } from './period.js';

export interface CheckoutSessionInput {
  mode: Stripe.Checkout.Session.Mode;
  customer: string | null;
  customerEmail: string | null;
  clientReferenceId: string | null;
  successUrl: string | null;
  cancelUrl: string | null;
  metadata: Record<string, string>;
  currency: string;
  amountSubtotal: number;
  amountTax: number;
  automaticTax: boolean;
  paymentMethodCollection: Stripe.Checkout.Session.PaymentMethodCollection;
  billingAddressCollection: Stripe.Checkout.Session.BillingAddressCollection | null;
  taxIdCollection: boolean;
}

export function buildCheckoutSession(ctx: SimContext, input: CheckoutSessionInput): Stripe.Checkout.Session {
  const id = ctx.ids.next('cs_test');
  const now = ctx.clock.now();
  return {
    id,
    object: 'checkout.session',
    adaptive_pricing: null,
    after_expiration: null,
    allow_promotion_codes: null,
    allowed_payment_method_types: null,
    amount_subtotal: input.amountSubtotal,
    amount_total: input.amountSubtotal + input.amountTax,
    automatic_tax: input.automaticTax ? { enabled: true, liability: { type: 'self' }, provider: 'stripe', status: 'complete' } : { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: input.billingAddressCollection,
    cancel_url: input.cancelUrl,
    client_reference_id: input.clientReferenceId,
    client_secret: null,
    collected_information: null,
    consent: null,
    consent_collection: null,
    created: now,
    currency: input.currency,
    currency_conversion: null,
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: input.customer,
    customer_account: null,
    customer_creation: input.customer === null ? 'always' : null,
    customer_details: null,
    customer_email: input.customerEmail,
    discounts: [],
    expires_at: now + secondsPerDay,
    integration_identifier: null,
    invoice: null,
    invoice_creation: null,
    livemode: false,
    locale: null,
    managed_payments: null,
    metadata: input.metadata,
    mode: input.mode,
    origin_context: null,
    payment_intent: null,
    payment_link: null,
    payment_method_collection: input.paymentMethodCollection,
    payment_method_configuration_details: null,
    payment_method_options: null,
    payment_method_types: ['card'],
    payment_status: 'unpaid',
    permissions: null,
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: 'open',
    submit_type: null,
    subscription: null,
    success_url: input.successUrl,
    tax_id_collection: { enabled: input.taxIdCollection, required: 'never' },
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: input.amountTax },
    ui_mode: 'hosted_page',
    url: `${ctx.baseUrl()}/checkout/${id}`,
    wallet_options: null,
  };
}

export function buildPortalSession(ctx: SimContext, customer: string, returnUrl: string | null): Stripe.BillingPortal.Session {
  const id = ctx.ids.next('bps');
  return {
    id,
    object: 'billing_portal.session',
    configuration: ctx.ids.next('bpc'),
    created: ctx.clock.now(),
    customer,
    customer_account: null,
    flow: null,
    livemode: false,
    locale: null,
    on_behalf_of: null,
    return_url: returnUrl,
    url: `${ctx.baseUrl()}/portal/${id}`,
  };
}
