import type Stripe from 'stripe';
import type { SimContext } from '../context.js';
import { planFromPrice } from './catalog.js';

export interface SubscriptionItemInput {
  price: Stripe.Price;
  quantity: number;
  metadata?: Record<string, string>;
}

export function buildSubscriptionItem(
  ctx: SimContext,
  subscription: string,
  input: SubscriptionItemInput,
  period: { start: number; end: number },
): Stripe.SubscriptionItem {
  return {
    id: ctx.ids.next('si'),
    object: 'subscription_item',
    billing_thresholds: null,
    created: ctx.clock.now(),
    current_period_end: period.end,
    current_period_start: period.start,
    current_trial: null,
    discounts: [],
    metadata: input.metadata ?? {},
    plan: planFromPrice(input.price),
    price: structuredClone(input.price),
    quantity: input.quantity,
    subscription,
    tax_rates: [],
  };
}

export interface SubscriptionInput {
  customer: string;
  currency: string;
  items: SubscriptionItemInput[];
  status: Stripe.Subscription.Status;
  period: { start: number; end: number };
  trial: { start: number; end: number } | null;
  metadata?: Record<string, string>;
  description?: string | null;
  defaultPaymentMethod?: string | null;
  trialEndBehaviour?: Stripe.Subscription.TrialSettings.EndBehavior.MissingPaymentMethod;
  automaticTax?: boolean;
}

export function buildSubscription(ctx: SimContext, input: SubscriptionInput): Stripe.Subscription {
  const id = ctx.ids.next('sub');
  const now = ctx.clock.now();
  const items = input.items.map((item) => buildSubscriptionItem(ctx, id, item, input.period));
  return {
    id,
    object: 'subscription',
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: input.automaticTax ?? false, liability: input.automaticTax ? { type: 'self' } : null },
    billing_cycle_anchor: input.period.end,
    billing_cycle_anchor_config: null,
    billing_mode: { flexible: null, type: 'classic' },
    billing_schedules: [],
    billing_thresholds: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
    collection_method: 'charge_automatically',
    created: now,
    currency: input.currency,
    customer: input.customer,
    customer_account: null,
    days_until_due: null,
    default_payment_method: input.defaultPaymentMethod ?? null,
    default_source: null,
    default_tax_rates: [],
    description: input.description ?? null,
    discounts: [],
    ended_at: null,
    invoice_settings: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: { type: 'self' } },
    items: { object: 'list', data: items, has_more: false, url: `/v1/subscription_items?subscription=${id}` },
    latest_invoice: null,
    livemode: false,
    managed_payments: null,
    metadata: input.metadata ?? {},
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: 'off' },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: now,
    status: input.status,
    test_clock: null,
    transfer_data: null,
    trial_end: input.trial?.end ?? null,
    trial_settings: { end_behavior: { billing_cycle_anchor: null, missing_payment_method: input.trialEndBehaviour ?? 'create_invoice' } },
    trial_start: input.trial?.start ?? null,
  };
}
