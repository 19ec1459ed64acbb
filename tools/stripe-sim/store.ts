import type Stripe from 'stripe';
import { Collection } from './collection.js';
import { idOf } from './id-of.js';

/** What a customer's next payment attempt does, like Stripe's test cards. */
export type PaymentOutcome = 'succeed' | 'fail';

/** A product-to-feature attachment, remembered with the product it belongs to. */
export interface ProductFeatureLink {
  product: string;
  feature: Stripe.ProductFeature;
}

/** What a checkout session will buy once completed (Stripe keeps this as the session's line items). */
export interface CheckoutRequest {
  items: Array<{ price: string; quantity: number }>;
  trialDays: number | null;
  subscriptionMetadata: Record<string, string>;
  /** The subscription's currency (the session's). */
  currency: string;
  /** `subscription_data[trial_settings][end_behavior][missing_payment_method]`. */
  trialEndBehaviour: TrialEndBehaviour;
  automaticTax: boolean;
}

/** What a trial ending without a payment method does. */
export type TrialEndBehaviour = 'pause' | 'cancel' | 'create_invoice';

/** A meter event as received, with the meter it counted for (none when no meter has its event name). */
export interface StoredMeterEvent {
  event: Stripe.Billing.MeterEvent;
  /** The meter that counted it, resolved from `event_name` when it arrived. */
  meter: string | null;
  customer: string;
  value: number;
}

/**
 * The simulator's whole in-memory state. Maps keep insertion order, which is creation order;
 * lists answer newest first by walking it backwards, like Stripe.
 */
export interface SimStore {
  customers: Map<string, Stripe.Customer | Stripe.DeletedCustomer>;
  products: Map<string, Stripe.Product>;
  prices: Map<string, Stripe.Price>;
  /** Each price's `currency_options` other than its own currency (shown only when expanded). */
  priceCurrencies: Map<string, Record<string, Stripe.Price.CurrencyOptions>>;
  features: Map<string, Stripe.Entitlements.Feature>;
  productFeatures: Map<string, ProductFeatureLink>;
  subscriptions: Collection<Stripe.Subscription>;
  invoices: Collection<Stripe.Invoice>;
  invoicePayments: Collection<Stripe.InvoicePayment>;
  paymentIntents: Map<string, Stripe.PaymentIntent>;
  charges: Collection<Stripe.Charge>;
  refunds: Map<string, Stripe.Refund>;
  disputes: Map<string, Stripe.Dispute>;
  checkoutSessions: Map<string, Stripe.Checkout.Session>;
  portalSessions: Map<string, Stripe.BillingPortal.Session>;
  events: Collection<Stripe.Event>;
  meters: Map<string, Stripe.Billing.Meter>;
  /** Meter events in arrival order, keyed by a private sequence id. */
  meterEvents: Map<string, StoredMeterEvent>;
  /** The latest event of each `identifier`, to refuse duplicates within Stripe's dedup horizon. */
  meterEventIdentifiers: Map<string, string>;
  /** Last computed active entitlements per customer, to notice changes. */
  activeEntitlements: Map<string, Stripe.Entitlements.ActiveEntitlement[]>;
  /** Explicit payment outcome per customer; otherwise the default payment method decides. */
  paymentOutcomes: Map<string, PaymentOutcome>;
  checkoutRequests: Map<string, CheckoutRequest>;
  /** Subscriptions whose `trial_will_end` was sent, with the trial end it was sent for. */
  trialNotices: Map<string, number>;
  subscriptionSchedules: Map<string, Stripe.SubscriptionSchedule>;
  /** Proration lines of changes made with `create_prorations`, per subscription, until its next invoice bills them. */
  pendingProrations: Map<string, Stripe.InvoiceLineItem[]>;
}

export function createStore(): SimStore {
  return {
    customers: new Map(),
    products: new Map(),
    prices: new Map(),
    priceCurrencies: new Map(),
    features: new Map(),
    productFeatures: new Map(),
    subscriptions: new Collection((subscription) => idOf(subscription.customer)),
    invoices: new Collection((invoice) => idOf(invoice.customer)),
    invoicePayments: new Collection((payment) => idOf(payment.invoice)),
    paymentIntents: new Map(),
    charges: new Collection((charge) => idOf(charge.customer)),
    refunds: new Map(),
    disputes: new Map(),
    checkoutSessions: new Map(),
    portalSessions: new Map(),
    events: new Collection(),
    meters: new Map(),
    meterEvents: new Map(),
    meterEventIdentifiers: new Map(),
    activeEntitlements: new Map(),
    paymentOutcomes: new Map(),
    checkoutRequests: new Map(),
    trialNotices: new Map(),
    subscriptionSchedules: new Map(),
    pendingProrations: new Map(),
  };
}

/** Empties every collection in place (references held by routes stay valid). */
export function clearStore(store: SimStore): void {
  for (const collection of Object.values(store) as Array<Map<string, unknown>>) collection.clear();
}

/** A plain JSON view of the state, for oracles in tests and the control API. */
export function snapshotStore(store: SimStore): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, collection] of Object.entries(store) as Array<[string, Map<string, unknown>]>) {
    out[name] = Object.fromEntries(collection);
  }
  return structuredClone(out);
}
