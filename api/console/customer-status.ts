/** What a subscription row says about its customer's standing. */
export interface StandingSubscription { status: string; past_due_since: Date | null; latest_invoice_refunded: boolean }

export type StandingBadge = 'deleted' | 'refunded' | 'past due, in grace' | 'past due, grace over' | 'active' | 'trialing' | 'canceled' | 'no subscription';

/**
 * The badges of a customer in the console, most urgent first: deleted in Stripe; a subscription
 * whose latest invoice was fully refunded; past due within the grace period (still has access) or
 * beyond it; active; trialing; only ended subscriptions (canceled); none at all.
 */
export function standingBadges(deleted: boolean, subscriptions: readonly StandingSubscription[], graceHours: number, now: Date): StandingBadge[] {
  const badges: StandingBadge[] = [];
  if (deleted) badges.push('deleted');
  if (subscriptions.some((sub) => sub.latest_invoice_refunded)) badges.push('refunded');
  for (const sub of subscriptions.filter((each) => each.status === 'past_due')) {
    const graceEnds = (sub.past_due_since ?? now).getTime() + graceHours * 3_600_000;
    const badge = graceEnds > now.getTime() ? 'past due, in grace' : 'past due, grace over';
    if (!badges.includes(badge)) badges.push(badge);
  }
  if (subscriptions.some((sub) => sub.status === 'active')) badges.push('active');
  if (subscriptions.some((sub) => sub.status === 'trialing')) badges.push('trialing');
  if (subscriptions.length === 0) badges.push('no subscription');
  else if (badges.length === 0 || (badges.length === 1 && badges[0] === 'deleted')) badges.push('canceled');
  return badges;
}

export const badgeTone: Record<StandingBadge, 'ok' | 'bad' | 'warn' | 'muted'> = {
  'deleted': 'bad', 'refunded': 'bad', 'past due, in grace': 'warn', 'past due, grace over': 'bad', 'active': 'ok', 'trialing': 'ok', 'canceled': 'muted', 'no subscription': 'muted',
};
