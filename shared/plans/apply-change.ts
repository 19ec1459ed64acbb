import type { Context } from '../context.js';
import type { RecomputeCause } from '../entitlements/recompute.js';
import type { StoredEntitlement } from '../entitlements/stored-entitlement.js';
import type { Stripe } from '../infra/stripe.js';
import { syncNow } from '../sync/sync-now.js';
import { changeTiming } from './change-timing.js';
import { currentSubscription, type AuthorizeUser } from './current-subscription.js';
import type { ChangeRequest } from './requests.js';
import { changeTarget, type ChangeTarget } from './target-price.js';

export interface SubscriptionSummary {
  id: string; status: string; cancel_at_period_end: boolean; current_period_end: number | null;
  items: { id: string; price: string; lookup_key: string | null; quantity: number }[];
}

export interface ChangeResult {
  subscription: SubscriptionSummary;
  applies: 'now' | 'period_end';
  /** When the new plan starts: now, or the end of the current period. */
  effective_at: number;
  /** The subscription schedule carrying a change at period end; null for an immediate change. */
  schedule: string | null;
  entitlements: StoredEntitlement[];
  version: number;
}

export function summary(subscription: Stripe.Subscription): SubscriptionSummary {
  return {
    id: subscription.id,
    status: subscription.status,
    cancel_at_period_end: subscription.cancel_at_period_end,
    current_period_end: subscription.items.data[0]?.current_period_end ?? null,
    items: subscription.items.data.map((item) => ({ id: item.id, price: item.price.id, lookup_key: item.price.lookup_key ?? null, quantity: item.quantity ?? 1 })),
  };
}

/** The schedule running a subscription, if any. */
export const scheduleOf = (subscription: Stripe.Subscription): string | null =>
  subscription.schedule == null ? null : typeof subscription.schedule === 'string' ? subscription.schedule : subscription.schedule.id;

/**
 * A change at the end of the current period, carried by a subscription schedule: the current phase
 * runs to the period end, then the new price for one interval, after which the schedule releases the
 * subscription (which goes on with the new price). A schedule already attached is reused, so a second
 * change before the period end replaces the first.
 */
async function scheduleChange(context: Context, subscription: Stripe.Subscription, target: ChangeTarget, idempotencyKey: string): Promise<Stripe.SubscriptionSchedule> {
  const existing = scheduleOf(subscription);
  const schedule = existing ? await context.stripe.subscriptionSchedules.retrieve(existing)
    : await context.stripe.subscriptionSchedules.create({ from_subscription: subscription.id }, { idempotencyKey: `${idempotencyKey}:schedule` });
  const periodEnd = target.item.current_period_end;
  const recurring = target.price.recurring;
  return context.stripe.subscriptionSchedules.update(schedule.id, {
    end_behavior: 'release',
    proration_behavior: 'none',
    phases: [
      { items: [{ price: target.item.price.id, quantity: target.item.quantity ?? 1 }], start_date: schedule.current_phase?.start_date ?? target.item.current_period_start, end_date: periodEnd },
      { items: [{ price: target.price.id, quantity: target.quantity }], duration: { interval: recurring?.interval ?? 'month', interval_count: recurring?.interval_count ?? 1 } },
    ],
  }, { idempotencyKey: `${idempotencyKey}:phases` });
}

/**
 * Changes a customer's plan or quantity: upgrades at once (prorated as asked, at the preview's
 * `proration_date` so the customer pays what was shown), downgrades at the period end through a
 * subscription schedule (each configurable, and `apply` overrides). An immediate change releases a
 * pending scheduled change first. Every Stripe write carries an idempotency key derived from the
 * caller's. The customer is then synced, so the answer holds the new entitlements and their version.
 */
export async function applyChange(context: Context, ref: string, request: ChangeRequest, authorize: AuthorizeUser, idempotencyKey: string, cause: RecomputeCause): Promise<ChangeResult> {
  const { stripeCustomerId, subscription } = await currentSubscription(context, ref, request.subscription, authorize);
  const target = await changeTarget(context, subscription, request);
  const applies = changeTiming(context.config, target.downgrade, request.apply);
  let updated = subscription;
  let schedule: string | null = null;
  if (applies === 'now') {
    const pending = scheduleOf(subscription);
    if (pending) await context.stripe.subscriptionSchedules.release(pending, {}, { idempotencyKey: `${idempotencyKey}:release` });
    updated = await context.stripe.subscriptions.update(subscription.id, {
      items: [{ id: target.item.id, price: target.price.id, quantity: target.quantity }],
      proration_behavior: request.proration_behavior ?? 'create_prorations',
      ...(request.proration_date !== undefined && { proration_date: request.proration_date }),
    }, { idempotencyKey: `${idempotencyKey}:update` });
  } else {
    schedule = (await scheduleChange(context, subscription, target, idempotencyKey)).id;
  }
  const synced = await syncNow(context, stripeCustomerId, 'stripe_customer_id', cause, context.config.SYNC_TIMEOUT_MS);
  return {
    subscription: summary(updated),
    applies,
    effective_at: applies === 'now' ? Math.floor(Date.now() / 1000) : target.item.current_period_end,
    schedule,
    entitlements: synced.entitlements,
    version: synced.version,
  };
}
