/**
 * Revenue figures from the subscription mirror: a pure function of (subscriptions, now), in
 * integer minor units per currency. Definitions (also in the README):
 *
 * - **MRR** counts subscriptions whose status is `active` or `past_due` (a trial is not revenue yet;
 *   `cancel_at_period_end` still pays until it ends). Each item contributes unit amount × quantity
 *   normalised to a month: monthly × 1, yearly ÷ 12, weekly × 52 ÷ 12, daily × 365 ÷ 12.
 * - **ARR** is the exact yearly sum (monthly × 12, yearly × 1, weekly × 52, daily × 365), an integer;
 *   MRR is ARR ÷ 12 rounded half up, once per currency (never per item, so no rounding drift).
 * - Items without a unit amount (metered or tiered prices) or without a recurring interval are
 *   not counted. Discounts and coupons are not in the mirror: amounts are list prices.
 * - **History** (the 12-month series): at the end of each month (now, for the current one) a
 *   subscription counts when it had started paying (created, and its trial over) and had not
 *   ended; `incomplete` and `incomplete_expired` ones never paid and never count. Current prices
 *   and quantities are used for past months (the mirror keeps no price history).
 * - **New**: a subscription starts paying in the month. **Reactivated**: the same, for a customer
 *   one of whose earlier subscriptions had already ended. **Churned**: a paying subscription ended.
 * - **Trial conversion**: of the trials that have ended, those whose subscription went on past the trial.
 * - **Past-due exposure**: the MRR of subscriptions that are `past_due` now.
 */

export type RecurringInterval = 'day' | 'week' | 'month' | 'year';

export interface RevenueItem { unitAmount: number | null; quantity: number; interval: RecurringInterval | null; plan: string }

export interface RevenueSubscription {
  id: string;
  customerId: string;
  status: string;
  currency: string | null;
  created: Date | null;
  trialEnd: Date | null;
  endedAt: Date | null;
  items: RevenueItem[];
}

export type Money = Record<string, number>;

export interface RevenueMonth { month: string; mrr: Money; new: number; churned: number; reactivated: number }

export interface RevenueReport {
  mrr: Money;
  arr: Money;
  activeByPlan: { plan: string; count: number }[];
  months: RevenueMonth[];
  trials: { ended: number; converted: number };
  pastDue: { count: number; mrr: Money };
}

/** Twelfths of a month per interval: an amount × this is its yearly value. */
const perYear: Record<RecurringInterval, number> = { day: 365, week: 52, month: 12, year: 1 };

const paying = new Set(['active', 'past_due']);
const neverPaid = new Set(['incomplete', 'incomplete_expired']);
const live = new Set(['active', 'trialing', 'past_due']);

/** The exact yearly value of a subscription in minor units (0 when nothing of it counts). */
export function yearlyAmount(subscription: RevenueSubscription): number {
  return subscription.items.reduce((sum, item) =>
    (item.unitAmount === null || item.interval === null ? sum : sum + item.unitAmount * item.quantity * perYear[item.interval]), 0);
}

/** ARR → MRR: ÷ 12, rounded half up (amounts are never negative). */
export const monthlyOf = (yearly: number): number => Math.floor((yearly + 6) / 12);

function add(money: Money, currency: string, amount: number): void {
  money[currency] = (money[currency] ?? 0) + amount;
}

const toMonthly = (yearly: Money): Money => Object.fromEntries(Object.entries(yearly).map(([currency, amount]) => [currency, monthlyOf(amount)]));

/** When a subscription started paying: its trial's end, or its creation. */
const payingFrom = (sub: RevenueSubscription): Date | null => (sub.created === null ? null : sub.trialEnd && sub.trialEnd > sub.created ? sub.trialEnd : sub.created);

/** `YYYY-MM` of the month `offset` months before `now`'s, its start and its end (exclusive), in UTC. */
function monthAt(now: Date, offset: number): { month: string; start: number; end: number } {
  const start = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - offset, 1);
  const end = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - offset + 1, 1);
  return { month: new Date(start).toISOString().slice(0, 7), start, end };
}

function payingAt(sub: RevenueSubscription, at: number): boolean {
  const from = payingFrom(sub);
  return !neverPaid.has(sub.status) && from !== null && from.getTime() <= at && (sub.endedAt === null || sub.endedAt.getTime() > at);
}

export function computeRevenue(subscriptions: readonly RevenueSubscription[], now: Date, monthCount = 12): RevenueReport {
  const arr: Money = {};
  const pastDueYearly: Money = {};
  let pastDueCount = 0;
  const byPlan = new Map<string, number>();
  for (const sub of subscriptions) {
    const currency = sub.currency ?? 'unknown';
    if (paying.has(sub.status)) add(arr, currency, yearlyAmount(sub));
    if (sub.status === 'past_due') {
      pastDueCount += 1;
      add(pastDueYearly, currency, yearlyAmount(sub));
    }
    if (live.has(sub.status)) {
      const plan = [...new Set(sub.items.map((item) => item.plan))].sort().join(' + ') || '(no items)';
      byPlan.set(plan, (byPlan.get(plan) ?? 0) + 1);
    }
  }

  const starts = subscriptions.flatMap((sub) => {
    const from = payingFrom(sub);
    // A subscription ended at (or before) its trial's end never paid: it neither starts nor churns.
    const paid = from !== null && !neverPaid.has(sub.status) && from.getTime() <= now.getTime() && (sub.endedAt === null || sub.endedAt > from);
    return paid ? [{ sub, at: from.getTime() }] : [];
  });
  // When each customer's paying subscriptions ended: a later start is a reactivation.
  const endedByCustomer = new Map<string, { id: string; at: number }[]>();
  for (const { sub } of starts) {
    if (sub.endedAt === null) continue;
    endedByCustomer.set(sub.customerId, [...(endedByCustomer.get(sub.customerId) ?? []), { id: sub.id, at: sub.endedAt.getTime() }]);
  }
  const months: RevenueMonth[] = [];
  for (let offset = monthCount - 1; offset >= 0; offset -= 1) {
    const { month, start, end } = monthAt(now, offset);
    const at = offset === 0 ? now.getTime() : end - 1;
    const yearly: Money = {};
    for (const sub of subscriptions) {
      const counts = offset === 0 ? paying.has(sub.status) : payingAt(sub, at);
      if (counts) add(yearly, sub.currency ?? 'unknown', yearlyAmount(sub));
    }
    const started = starts.filter((each) => each.at >= start && each.at < end);
    const reactivated = started.filter(({ sub, at: startedAt }) => (endedByCustomer.get(sub.customerId) ?? []).some((ended) => ended.id !== sub.id && ended.at <= startedAt)).length;
    const churned = subscriptions.filter((sub) => {
      const from = payingFrom(sub);
      return sub.endedAt !== null && sub.endedAt.getTime() >= start && sub.endedAt.getTime() < end && from !== null && from < sub.endedAt && !neverPaid.has(sub.status);
    }).length;
    months.push({ month, mrr: toMonthly(yearly), new: started.length - reactivated, churned, reactivated });
  }

  const trials = subscriptions.filter((sub) => sub.trialEnd !== null && sub.created !== null && sub.trialEnd > sub.created && sub.trialEnd.getTime() <= now.getTime());
  const converted = trials.filter((sub) => !neverPaid.has(sub.status) && (sub.endedAt === null || sub.endedAt > sub.trialEnd!)).length;

  return {
    mrr: toMonthly(arr),
    arr,
    activeByPlan: [...byPlan].map(([plan, count]) => ({ plan, count })).sort((a, b) => b.count - a.count || a.plan.localeCompare(b.plan)),
    months,
    trials: { ended: trials.length, converted },
    pastDue: { count: pastDueCount, mrr: toMonthly(pastDueYearly) },
  };
}

/** Currencies whose minor unit is the major unit (Stripe's zero-decimal currencies). */
const zeroDecimal = new Set(['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf']);

/** `1234567, 'eur'` → `12,345.67 EUR`, with integer arithmetic only. */
export function formatMinor(amount: number, currency: string): string {
  const digits = zeroDecimal.has(currency.toLowerCase()) ? 0 : 2;
  const sign = amount < 0 ? '-' : '';
  const text = String(Math.abs(amount)).padStart(digits + 1, '0');
  const whole = text.slice(0, text.length - digits).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${whole}${digits ? `.${text.slice(-digits)}` : ''} ${currency.toUpperCase()}`;
}
