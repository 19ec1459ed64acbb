import type { Db } from '../../../shared/infra/db.js';
import type { RecurringInterval, RevenueSubscription } from '../../../shared/domain/revenue.js';

interface SubscriptionRow { id: string; customer_id: string; status: string; currency: string | null; stripe_created: Date | null; trial_end: Date | null; ended_at: Date | null; canceled_at: Date | null }
interface ItemRow { subscription_id: string; unit_amount: string | null; quantity: number; interval: string | null; plan: string; period_days: string | null }

const intervals = new Set<string>(['day', 'week', 'month', 'year']);

/**
 * A recurring interval: the catalog price's, else read from the item's current period (the mirror
 * of a price the catalog has not seen): 300 days or more a year, 28 a month, 7 a week, else a day.
 */
export function intervalOf(catalog: string | null, periodDays: number | null): RecurringInterval | null {
  if (catalog !== null) return intervals.has(catalog) ? (catalog as RecurringInterval) : null;
  if (periodDays === null) return null;
  return periodDays >= 300 ? 'year' : periodDays >= 28 ? 'month' : periodDays >= 7 ? 'week' : 'day';
}

/**
 * Every subscription of the mirror with its items, in the shape {@link computeRevenue} reads: two
 * plain scans (subscriptions; items with their catalog price), grouped here.
 */
export async function revenueInputs(db: Db): Promise<RevenueSubscription[]> {
  const [subscriptions, items] = await Promise.all([
    db('subscriptions').select<SubscriptionRow[]>('id', 'customer_id', 'status', 'currency', 'stripe_created', 'trial_end', 'ended_at', 'canceled_at'),
    db('subscription_items as i').leftJoin('catalog_prices as p', 'p.id', 'i.price_id').orderBy('i.id')
      .select<ItemRow[]>('i.subscription_id', 'i.unit_amount', 'i.quantity', 'p.recurring_interval as interval', db.raw('coalesce(i.lookup_key, i.product_id) as plan'),
        db.raw('extract(epoch from (i.current_period_end - i.current_period_start)) / 86400 as period_days')),
  ]);
  const bySubscription = new Map<string, ItemRow[]>();
  for (const item of items) bySubscription.set(item.subscription_id, [...(bySubscription.get(item.subscription_id) ?? []), item]);
  return subscriptions.map((row) => ({
    id: row.id, customerId: row.customer_id, status: row.status, currency: row.currency,
    created: row.stripe_created, trialEnd: row.trial_end,
    // A canceled subscription the mirror has no end time for ended when it was canceled.
    endedAt: row.ended_at ?? (row.status === 'canceled' || row.status === 'incomplete_expired' ? row.canceled_at ?? row.stripe_created : null),
    items: (bySubscription.get(row.id) ?? []).map((item) => ({
      unitAmount: item.unit_amount === null ? null : Number(item.unit_amount), quantity: item.quantity, plan: item.plan,
      interval: intervalOf(item.interval, item.period_days === null ? null : Number(item.period_days)),
    })),
  }));
}
