import type { Db } from '../../shared/infra/db.js';
import type { DriftKind } from '../../shared/reconcile/runs.js';
import type { Stripe } from '../../shared/infra/stripe.js';
import { classifyDrift, type LocalItem, type LocalSubscription } from './classify-drift.js';

export interface Drift { subscriptionId: string; stripeCustomerId: string; kind: DriftKind }

const customerOf = (subscription: Stripe.Subscription): string => (typeof subscription.customer === 'string' ? subscription.customer : subscription.customer.id);

/** Loads the mirror rows of one page of Stripe subscriptions (two queries) and classifies each. */
export async function comparePage(db: Db, subscriptions: readonly Stripe.Subscription[], fetchedAt: Date): Promise<Drift[]> {
  if (subscriptions.length === 0) return [];
  const ids = subscriptions.map((subscription) => subscription.id);
  const [locals, items] = await Promise.all([
    db('subscriptions').whereIn('id', ids)
      .select<LocalSubscription[]>('id', 'status', 'cancel_at_period_end', 'latest_invoice_id', 'latest_invoice_status', 'synced_at'),
    db('subscription_items').whereIn('subscription_id', ids)
      .select<LocalItem[]>('id', 'subscription_id', 'price_id', 'quantity', 'current_period_end'),
  ]);
  const localById = new Map(locals.map((row) => [row.id, row]));
  const itemsBySubscription = new Map<string, LocalItem[]>();
  for (const item of items) itemsBySubscription.set(item.subscription_id, [...(itemsBySubscription.get(item.subscription_id) ?? []), item]);
  const drifts: Drift[] = [];
  for (const subscription of subscriptions) {
    const kind = classifyDrift(subscription, localById.get(subscription.id), itemsBySubscription.get(subscription.id) ?? [], fetchedAt);
    if (kind) drifts.push({ subscriptionId: subscription.id, stripeCustomerId: customerOf(subscription), kind });
  }
  return drifts;
}
