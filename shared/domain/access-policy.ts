import { earliest } from './compare.js';
import type { AccessPolicy, DisputePolicy, DisputeStatus, ItemState, SubscriptionState, SubscriptionStatus } from './types.js';

export interface SubscriptionAccess {
  granted: boolean;
  /** When access ends by itself (exclusive); null if granted without limit, or not granted. */
  until: Date | null;
}

const HOUR_MS = 3_600_000;
const DENIED: SubscriptionAccess = { granted: false, until: null };

/** Statuses that give access, before the limits below apply. */
const ACCESS_BY_STATUS: Record<SubscriptionStatus, boolean> = {
  active: true,
  trialing: true,
  past_due: true,
  canceled: false,
  unpaid: false,
  incomplete: false,
  incomplete_expired: false,
  paused: false,
};

/** Dispute statuses that deny access, per policy: open ones (inquiries included) and lost ones, or only lost ones. */
const DENYING_DISPUTES: Record<DisputePolicy, ReadonlySet<DisputeStatus>> = {
  revoke_on_open: new Set(['warning_needs_response', 'warning_under_review', 'needs_response', 'under_review', 'lost']),
  revoke_on_lost: new Set(['lost']),
  ignore: new Set(),
};

/** Whether the dispute on the latest invoice's charge (if any) denies access under `policy`. */
export function disputeDenies(status: DisputeStatus | null, policy: DisputePolicy): boolean {
  return status !== null && DENYING_DISPUTES[policy].has(status);
}

/**
 * Whether one item of a subscription gives access at `now`, and until when (DESIGN.md, access policy).
 *
 * Policy, in order:
 * 1. A fully refunded latest invoice denies access (a later paid invoice clears the flag upstream);
 *    so does a dispute on the charge paying it, as `policy.disputePolicy` says (see {@link disputeDenies}).
 * 2. Only `active`, `trialing` and `past_due` give access.
 * 3. `past_due` gives access while `now < pastDueSince + pastDueGraceHours`; a null `pastDueSince`
 *    counts as first seen at `now`.
 * 4. `cancelAtPeriodEnd` gives access while `now < item.currentPeriodEnd`; an unknown period end
 *    sets no limit (Stripe's later `canceled` status ends access).
 *
 * When several limits apply, `until` is the earliest. Access ends exactly at `until`.
 */
export function subscriptionAccess(
  sub: SubscriptionState,
  item: ItemState,
  policy: AccessPolicy,
  now: Date,
): SubscriptionAccess {
  if (sub.latestInvoiceRefunded || disputeDenies(sub.latestInvoiceDispute, policy.disputePolicy) || !ACCESS_BY_STATUS[sub.status]) return DENIED;

  let until: Date | null = null;
  if (sub.status === 'past_due') {
    const since = sub.pastDueSince ?? now;
    until = new Date(since.getTime() + policy.pastDueGraceHours * HOUR_MS);
  }
  if (sub.cancelAtPeriodEnd && item.currentPeriodEnd !== null) {
    until = earliest(until, new Date(item.currentPeriodEnd.getTime()));
  }
  if (until !== null && now.getTime() >= until.getTime()) return DENIED;
  return { granted: true, until };
}
