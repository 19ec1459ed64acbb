import type Stripe from 'stripe';
import type { SimContext } from '../context.js';
import { invalidRequest } from '../errors.js';
import { idOf } from '../id-of.js';
import { addInterval } from '../objects/period.js';
import { refreshEntitlements } from './entitlements.js';
import { issueInvoice } from './invoicing.js';
import { liveCustomer, mustGet } from './lookup.js';
import { cancelSubscription } from './subscriptions.js';
import { changedFields } from './subscription-update.js';

/** Whether Stripe would find something to charge: the subscription's payment method, else the customer's default. */
export function hasPaymentMethod(ctx: SimContext, subscription: Stripe.Subscription): boolean {
  if (idOf(subscription.default_payment_method)) return true;
  const customer = ctx.store.customers.get(idOf(subscription.customer) ?? '');
  return customer !== undefined && customer.deleted !== true && idOf(customer.invoice_settings.default_payment_method) !== null;
}

/**
 * A trial ending without a payment method does what `trial_settings.end_behavior.missing_payment_method`
 * says: `pause` (status `paused`, no invoice, `customer.subscription.paused`) or `cancel`; with
 * `create_invoice` (or a payment method on file) the period renews as usual. True when it was handled here.
 */
export function endTrialWithoutPaymentMethod(ctx: SimContext, subscription: Stripe.Subscription): boolean {
  if (subscription.status !== 'trialing' || hasPaymentMethod(ctx, subscription)) return false;
  const behaviour = subscription.trial_settings?.end_behavior.missing_payment_method ?? 'create_invoice';
  if (behaviour === 'cancel') {
    cancelSubscription(ctx, subscription.id, 'cancellation_requested');
    return true;
  }
  if (behaviour !== 'pause') return false;
  const before = structuredClone(subscription);
  subscription.status = 'paused';
  ctx.events.emit('customer.subscription.updated', subscription, changedFields(before, subscription));
  ctx.events.emit('customer.subscription.paused', subscription);
  refreshEntitlements(ctx, idOf(subscription.customer) ?? '');
  return true;
}

/**
 * `POST /v1/subscriptions/:id/resume`: a paused subscription starts a new period now and bills it
 * (`billing_cycle_anchor=now`, Stripe's default): paid, it is `active`; unpaid, `past_due`.
 * Emits `customer.subscription.resumed` and `customer.subscription.updated`.
 */
export function resumeSubscription(ctx: SimContext, id: string): Stripe.Subscription {
  const subscription = mustGet(ctx.store.subscriptions, id, 'subscription');
  if (subscription.status !== 'paused') throw invalidRequest(`Subscription ${id} is not paused (status ${subscription.status}).`, 'subscription_not_paused');
  liveCustomer(ctx, idOf(subscription.customer) ?? '');
  const before = structuredClone(subscription);
  const now = ctx.clock.now();
  for (const item of subscription.items.data) {
    const recurring = item.price.recurring ?? { interval: 'month' as const, interval_count: 1 };
    item.current_period_start = now;
    item.current_period_end = addInterval(now, recurring.interval, recurring.interval_count);
  }
  subscription.billing_cycle_anchor = now;
  const period = { start: now, end: Math.min(...subscription.items.data.map((item) => item.current_period_end)) };
  const { paid } = issueInvoice(ctx, subscription, 'subscription_update', period);
  subscription.status = paid ? 'active' : 'past_due';
  ctx.events.emit('customer.subscription.resumed', subscription);
  ctx.events.emit('customer.subscription.updated', subscription, changedFields(before, subscription));
  refreshEntitlements(ctx, idOf(subscription.customer) ?? '');
  return subscription;
}
