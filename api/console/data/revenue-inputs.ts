import type { Db } from '../../../shared/db.js';
import type { RecurringInterval, RevenueSubscription } from '../../../shared/domain/revenue.js';

interface Row {
  id: string; customer_id: string; status: string; currency: string | null; stripe_created: Date | null; trial_end: Date | null; ended_at: Date | null; canceled_at: Date | null;
  items: { unit_amount: string | null; quantity: number; interval: string | null; plan: string; period_days: number | null }[] | null;
}

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

/** Every subscription of the mirror with its items, in the shape {@link computeRevenue} reads: one query. */
export async function revenueInputs(db: Db): Promise<RevenueSubscription[]> {
  const { rows } = await db.raw<{ rows: Row[] }>(`
    select s.id, s.customer_id, s.status, s.currency, s.stripe_created, s.trial_end, s.ended_at, s.canceled_at,
      (select json_agg(json_build_object('unit_amount', i.unit_amount, 'quantity', i.quantity, 'plan', coalesce(i.lookup_key, i.product_id),
         'interval', p.recurring_interval,
         'period_days', extract(epoch from (i.current_period_end - i.current_period_start)) / 86400) order by i.id)
         from subscription_items i left join catalog_prices p on p.id = i.price_id where i.subscription_id = s.id) as items
    from subscriptions s`);
  return rows.map((row) => ({
    id: row.id, customerId: row.customer_id, status: row.status, currency: row.currency,
    created: row.stripe_created, trialEnd: row.trial_end,
    // A canceled subscription the mirror has no end time for ended when it was canceled.
    endedAt: row.ended_at ?? (row.status === 'canceled' || row.status === 'incomplete_expired' ? row.canceled_at ?? row.stripe_created : null),
    items: (row.items ?? []).map((item) => ({
      unitAmount: item.unit_amount === null ? null : Number(item.unit_amount), quantity: item.quantity, plan: item.plan,
      interval: intervalOf(item.interval, item.period_days),
    })),
  }));
}
