import type Stripe from 'stripe';
import type { SimContext } from '../context.js';
import { cardDeclined, invalidRequest } from '../errors.js';
import { buildCheckoutSession, buildPortalSession } from '../objects/checkout.js';
import { createCustomer, updateCustomer } from './customers.js';
import { idOf } from '../id-of.js';
import { liveCustomer, mustGet } from './lookup.js';
import { paymentOutcome } from './payments.js';
import { taxOn, unitAmountIn } from './money.js';
import { createSubscription } from './subscriptions.js';
import type { TrialEndBehaviour } from '../store.js';

export interface NewCheckoutSession {
  mode: Stripe.Checkout.Session.Mode;
  customer?: string;
  customerEmail?: string;
  clientReferenceId?: string;
  successUrl?: string;
  cancelUrl?: string;
  metadata?: Record<string, string>;
  lineItems: Array<{ price: string; quantity: number }>;
  trialDays?: number | null;
  subscriptionMetadata?: Record<string, string>;
  /** The session's currency; default: the first price's own. */
  currency?: string;
  /** `if_required`: a trial may start without a card. @defaultValue always */
  paymentMethodCollection?: Stripe.Checkout.Session.PaymentMethodCollection;
  /** What the trial's end does without a payment method. @defaultValue create_invoice */
  trialEndBehaviour?: TrialEndBehaviour;
  /** Stripe Tax: the simulator's fixed rate per currency (ops/money.ts). */
  automaticTax?: boolean;
  billingAddressCollection?: Stripe.Checkout.Session.BillingAddressCollection;
  taxIdCollection?: boolean;
}

export function createCheckoutSession(ctx: SimContext, input: NewCheckoutSession): Stripe.Checkout.Session {
  if (input.mode !== 'subscription') throw invalidRequest(`The simulator only supports mode=subscription (got ${input.mode}).`, 'parameter_invalid', 'mode');
  if (input.customer !== undefined) liveCustomer(ctx, input.customer);
  if (input.lineItems.length === 0) throw invalidRequest('Missing required param: line_items.', 'parameter_missing', 'line_items');
  const prices = input.lineItems.map((item, i) => mustGet(ctx.store.prices, item.price, 'price', `line_items[${i}][price]`));
  const trial = (input.trialDays ?? 0) > 0;
  const currency = input.currency ?? prices[0]?.currency ?? 'usd';
  const subtotal = trial ? 0 : input.lineItems.reduce((sum, item, i) => sum + unitAmountIn(ctx, prices[i], currency) * item.quantity, 0);
  if (trial) prices.forEach((price) => unitAmountIn(ctx, price, currency));
  const amountTax = input.automaticTax ? taxOn(subtotal, currency) : 0;
  const session = buildCheckoutSession(ctx, {
    mode: input.mode,
    customer: input.customer ?? null,
    customerEmail: input.customerEmail ?? null,
    clientReferenceId: input.clientReferenceId ?? null,
    successUrl: input.successUrl ?? null,
    cancelUrl: input.cancelUrl ?? null,
    metadata: input.metadata ?? {},
    currency,
    amountSubtotal: subtotal,
    amountTax,
    automaticTax: input.automaticTax ?? false,
    paymentMethodCollection: input.paymentMethodCollection ?? 'always',
    billingAddressCollection: input.billingAddressCollection ?? null,
    taxIdCollection: input.taxIdCollection ?? false,
  });
  ctx.store.checkoutSessions.set(session.id, session);
  ctx.store.checkoutRequests.set(session.id, {
    items: input.lineItems, trialDays: input.trialDays ?? null, subscriptionMetadata: input.subscriptionMetadata ?? {},
    currency, trialEndBehaviour: input.trialEndBehaviour ?? 'create_invoice', automaticTax: input.automaticTax ?? false,
  });
  return session;
}

export interface CheckoutCompletion {
  /**
   * Test payment method the buyer enters, e.g. `pm_card_visa` (default) or `pm_card_chargeCustomerFail`;
   * `null`: none, which a session with `payment_method_collection=if_required` and a trial allows.
   */
  paymentMethod?: string | null;
  email?: string;
  name?: string;
}

/**
 * What a buyer finishing the hosted page causes: a customer (when the session had none), a paid
 * subscription, then `checkout.session.completed`. A declining card leaves the session open and
 * answers 402 like the hosted page would refuse it.
 */
export function completeCheckoutSession(ctx: SimContext, id: string, completion: CheckoutCompletion = {}): Stripe.Checkout.Session {
  const session = mustGet(ctx.store.checkoutSessions, id, 'checkout.session');
  const request = mustGet(ctx.store.checkoutRequests, id, 'checkout.session');
  if (session.status !== 'open') throw invalidRequest(`This Checkout Session is no longer active (status ${session.status}).`, 'checkout_session_inactive');
  const trial = (request.trialDays ?? 0) > 0;
  if (completion.paymentMethod === null && !(trial && session.payment_method_collection === 'if_required')) {
    throw invalidRequest('A payment method is required: this session collects one always, or has no trial.', 'payment_method_required', 'payment_method');
  }
  const method = completion.paymentMethod === undefined ? 'pm_card_visa' : completion.paymentMethod;
  const existing = session.customer === null ? null : liveCustomer(ctx, idOf(session.customer) ?? '');
  const failing = existing && completion.paymentMethod === undefined ? paymentOutcome(ctx, existing) === 'fail' : /fail|decline/i.test(method ?? '');
  if (failing && !trial) throw cardDeclined();
  const customer = existing
    ? (completion.paymentMethod == null ? existing : updateCustomer(ctx, existing.id, { default_payment_method: method }))
    : createCustomer(ctx, {
        email: session.customer_email ?? completion.email ?? null,
        name: completion.name ?? null,
        default_payment_method: method,
        metadata: session.client_reference_id === null ? {} : { client_reference_id: session.client_reference_id },
      });
  const subscription = createSubscription(ctx, {
    customer: customer.id, items: request.items, trialDays: request.trialDays, metadata: request.subscriptionMetadata,
    currency: request.currency, trialEndBehaviour: request.trialEndBehaviour, automaticTax: request.automaticTax,
  });
  Object.assign(session, {
    status: 'complete',
    payment_status: trial ? 'no_payment_required' : 'paid',
    customer: customer.id,
    subscription: subscription.id,
    invoice: typeof subscription.latest_invoice === 'string' ? subscription.latest_invoice : null,
    url: null,
    customer_details: {
      address: null, business_name: null, email: customer.email, individual_name: null, name: customer.name ?? null,
      phone: null, tax_exempt: 'none', tax_ids: [],
    },
  } satisfies Partial<Stripe.Checkout.Session>);
  ctx.events.emit('checkout.session.completed', session);
  return session;
}

export function createPortalSession(ctx: SimContext, customer: string, returnUrl: string | null): Stripe.BillingPortal.Session {
  liveCustomer(ctx, customer);
  const session = buildPortalSession(ctx, customer, returnUrl);
  ctx.store.portalSessions.set(session.id, session);
  ctx.events.emit('billing_portal.session.created', session);
  return session;
}
