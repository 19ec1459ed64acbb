import type { Context } from '../context.js';
import type { RecomputeCause } from '../entitlements/recompute.js';
import { badRequest } from '../errors.js';
import { syncNow } from '../sync/sync-now.js';
import { scheduleOf, summary, type ChangeResult } from './apply-change.js';
import { currentSubscription, type AuthorizeUser } from './current-subscription.js';
import type { CancelRequest, ResumeRequest } from './requests.js';

type Outcome = Omit<ChangeResult, 'applies' | 'effective_at' | 'schedule'>;

/**
 * Cancels a customer's subscription: at the period end by default (access lasts until then, and
 * `resume` undoes it), or `now`. A pending scheduled change is released first, since Stripe does
 * not let a subscription run by a schedule be cancelled at period end.
 */
export async function cancelSubscription(context: Context, ref: string, request: CancelRequest, authorize: AuthorizeUser, idempotencyKey: string, cause: RecomputeCause): Promise<Outcome> {
  const { stripeCustomerId, subscription } = await currentSubscription(context, ref, request.subscription, authorize);
  const pending = scheduleOf(subscription);
  if (pending) await context.stripe.subscriptionSchedules.release(pending, {}, { idempotencyKey: `${idempotencyKey}:release` });
  const updated = request.at === 'now'
    ? await context.stripe.subscriptions.cancel(subscription.id, {}, { idempotencyKey: `${idempotencyKey}:cancel` })
    : await context.stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true }, { idempotencyKey: `${idempotencyKey}:cancel` });
  const synced = await syncNow(context, stripeCustomerId, 'stripe_customer_id', cause, context.config.SYNC_TIMEOUT_MS);
  return { subscription: summary(updated), entitlements: synced.entitlements, version: synced.version };
}

/** Undoes a cancellation at period end; a subscription not set to cancel is a 400 `not_canceling`. */
export async function resumeSubscription(context: Context, ref: string, request: ResumeRequest, authorize: AuthorizeUser, idempotencyKey: string, cause: RecomputeCause): Promise<Outcome> {
  const { stripeCustomerId, subscription } = await currentSubscription(context, ref, request.subscription, authorize);
  if (!subscription.cancel_at_period_end) throw badRequest('not_canceling', `subscription ${subscription.id} is not set to cancel; nothing to resume`, { param: 'subscription' });
  const updated = await context.stripe.subscriptions.update(subscription.id, { cancel_at_period_end: false }, { idempotencyKey: `${idempotencyKey}:resume` });
  const synced = await syncNow(context, stripeCustomerId, 'stripe_customer_id', cause, context.config.SYNC_TIMEOUT_MS);
  return { subscription: summary(updated), entitlements: synced.entitlements, version: synced.version };
}
