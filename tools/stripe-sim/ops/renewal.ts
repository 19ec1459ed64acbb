import type Stripe from 'stripe';
import type { SimContext } from '../context.js';
import { addInterval, secondsPerDay } from '../objects/period.js';
import { refreshEntitlements } from './entitlements.js';
import { issueInvoice } from './invoicing.js';
import { idOf } from '../id-of.js';
import { invoiceSubscriptionId } from './lookup.js';
import { attemptInvoicePayment } from './payments.js';
import { cancelSubscription } from './subscriptions.js';
import { changedFields } from './subscription-update.js';
import { endTrialWithoutPaymentMethod } from './trial-end.js';

/** Stripe sends `customer.subscription.trial_will_end` three days before a trial ends. */
export const trialNoticeSeconds = 3 * secondsPerDay;

const billable = new Set<Stripe.Subscription.Status>(['active', 'trialing', 'past_due']);

export function currentPeriodEnd(subscription: Stripe.Subscription): number {
  return Math.min(...subscription.items.data.map((item) => item.current_period_end));
}

export function isBillable(subscription: Stripe.Subscription): boolean {
  return billable.has(subscription.status);
}

/**
 * The end of a subscription's period: cancel if it was set to cancel at period end, else move
 * every item to the next period and bill it. A failed payment leaves it `past_due`; a paid one
 * (also at the end of a trial) makes it `active`.
 */
export function renewSubscription(ctx: SimContext, subscription: Stripe.Subscription): void {
  if (subscription.cancel_at_period_end) {
    cancelSubscription(ctx, subscription.id, 'cancellation_requested');
    return;
  }
  if (endTrialWithoutPaymentMethod(ctx, subscription)) return;
  const before = structuredClone(subscription);
  const start = currentPeriodEnd(subscription);
  // Metered items bill the period that just ended, in arrears.
  const usagePeriod = { start: Math.min(...subscription.items.data.map((item) => item.current_period_start)), end: start };
  for (const item of subscription.items.data) {
    const recurring = item.price.recurring ?? { interval: 'month' as const, interval_count: 1 };
    item.current_period_start = start;
    item.current_period_end = addInterval(start, recurring.interval, recurring.interval_count);
  }
  const period = { start, end: currentPeriodEnd(subscription) };
  const { paid } = issueInvoice(ctx, subscription, 'subscription_cycle', period, false, usagePeriod);
  if (paid) subscription.status = 'active';
  else if (subscription.status === 'active' || subscription.status === 'trialing') subscription.status = 'past_due';
  ctx.events.emit('customer.subscription.updated', subscription, changedFields(before, subscription));
  refreshEntitlements(ctx, idOf(subscription.customer) ?? '');
}

/** Sends `trial_will_end` once per trial end. */
export function noticeTrialEnd(ctx: SimContext, subscription: Stripe.Subscription): void {
  if (subscription.trial_end === null || ctx.store.trialNotices.get(subscription.id) === subscription.trial_end) return;
  ctx.store.trialNotices.set(subscription.id, subscription.trial_end);
  ctx.events.emit('customer.subscription.trial_will_end', subscription);
}

/**
 * Pays an open subscription invoice (a retry, or `POST /v1/invoices/:id/pay`). When that clears
 * the subscription's last unpaid invoice it goes back to `active`; when Stripe's retries run out
 * the subscription is canceled.
 */
export function retryInvoice(ctx: SimContext, invoice: Stripe.Invoice): { paid: boolean; charge: Stripe.Charge | null } {
  const result = attemptInvoicePayment(ctx, invoice);
  const subscription = ctx.store.subscriptions.get(invoiceSubscriptionId(invoice) ?? '');
  if (!subscription || subscription.status === 'canceled') return result;
  if (result.paid && subscription.status === 'past_due' && !hasUnpaidInvoice(ctx, subscription.id)) {
    subscription.status = 'active';
    ctx.events.emit('customer.subscription.updated', subscription, { status: 'past_due' });
    refreshEntitlements(ctx, idOf(subscription.customer) ?? '');
  } else if (result.paid && subscription.status === 'incomplete') {
    subscription.status = 'active';
    ctx.events.emit('customer.subscription.updated', subscription, { status: 'incomplete' });
    refreshEntitlements(ctx, idOf(subscription.customer) ?? '');
  } else if (!result.paid && invoice.next_payment_attempt === null && isBillable(subscription)) {
    cancelSubscription(ctx, subscription.id, 'payment_failed');
  }
  return result;
}

function hasUnpaidInvoice(ctx: SimContext, subscription: string): boolean {
  for (const invoice of ctx.store.invoices.values()) {
    if (invoice.status === 'open' && invoiceSubscriptionId(invoice) === subscription) return true;
  }
  return false;
}
