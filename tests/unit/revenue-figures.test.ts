import test from 'ava';
import { computeRevenue, formatMinor, monthlyOf, type RevenueItem, type RevenueSubscription } from '../../shared/domain/revenue.js';

const now = new Date('2026-06-15T12:00:00Z');
const day = (date: string) => new Date(`${date}T00:00:00Z`);
const monthly = (amount: number, plan: string, quantity = 1): RevenueItem => ({ unitAmount: amount, quantity, interval: 'month', plan });

let next = 0;
const sub = (fields: Partial<RevenueSubscription> & Pick<RevenueSubscription, 'customerId' | 'status' | 'created' | 'items'>): RevenueSubscription =>
  ({ id: `sub_${next += 1}`, currency: 'usd', trialEnd: null, endedAt: null, ...fields });

/** Ten subscriptions whose figures are worked out by hand in the comments. */
const fixture: RevenueSubscription[] = [
  // A: 2 × 10.00/month → 240.00/year.
  sub({ customerId: 'c1', status: 'active', created: day('2026-01-10'), items: [monthly(1000, 'pro_monthly', 2)] }),
  // B: 100.00/year → 83.33/month, rounded only in the currency's total.
  sub({ customerId: 'c2', status: 'active', created: day('2025-12-01'), items: [{ unitAmount: 10000, quantity: 1, interval: 'year', plan: 'pro_yearly' }] }),
  // C: still in its trial: no revenue yet, but a live subscription of its plan.
  sub({ customerId: 'c3', status: 'trialing', created: day('2026-06-01'), trialEnd: day('2026-06-20'), items: [monthly(1000, 'pro_monthly')] }),
  // D: past due, in euros: counts, and is the whole past-due exposure.
  sub({ customerId: 'c4', status: 'past_due', currency: 'eur', created: day('2026-03-05'), items: [monthly(999, 'basic_eur')] }),
  // E: paid February to 10 April: churned in April.
  sub({ customerId: 'c5', status: 'canceled', created: day('2026-02-01'), endedAt: day('2026-04-10'), items: [monthly(500, 'pro_monthly')] }),
  // F: the same customer back on 3 May (reactivated); its metered item has no unit amount and does not count.
  sub({ customerId: 'c5', status: 'active', created: day('2026-05-03'), items: [{ unitAmount: null, quantity: 1, interval: 'month', plan: 'api_calls' }, monthly(700, 'pro_monthly')] }),
  // G: canceled at the end of its trial: never paid, not churn, a trial that did not convert.
  sub({ customerId: 'c6', status: 'canceled', created: day('2026-04-01'), trialEnd: day('2026-04-15'), endedAt: day('2026-04-15'), items: [monthly(2000, 'starter')] }),
  // H: a trial that converted on 15 March: new in March.
  sub({ customerId: 'c7', status: 'active', created: day('2026-03-01'), trialEnd: day('2026-03-15'), items: [monthly(300, 'starter')] }),
  // I: the first payment failed for good: never counts anywhere.
  sub({ customerId: 'c8', status: 'incomplete_expired', created: day('2026-05-20'), items: [monthly(5000, 'pro_monthly')] }),
  // J: 1.00/week → 52.00/year.
  sub({ customerId: 'c9', status: 'active', created: day('2026-06-10'), items: [{ unitAmount: 100, quantity: 1, interval: 'week', plan: 'weekly' }] }),
];

test('MRR and ARR per currency: trials, metered items and unpaid subscriptions left out, rounded once per currency', (t) => {
  const report = computeRevenue(fixture, now);
  // USD yearly: A 24000 + B 10000 + F 8400 + H 3600 + J 5200 = 51200; 51200 / 12 = 4266.67 → 4267.
  t.deepEqual(report.arr, { usd: 51200, eur: 11988 });
  t.deepEqual(report.mrr, { usd: 4267, eur: 999 });
  t.deepEqual(report.pastDue, { count: 1, mrr: { eur: 999 } });
  t.deepEqual(report.trials, { ended: 2, converted: 1 });
});

test('active subscriptions by plan count live ones (active, trialing, past due), most first', (t) => {
  t.deepEqual(computeRevenue(fixture, now).activeByPlan, [
    { plan: 'pro_monthly', count: 2 },
    { plan: 'api_calls + pro_monthly', count: 1 },
    { plan: 'basic_eur', count: 1 },
    { plan: 'pro_yearly', count: 1 },
    { plan: 'starter', count: 1 },
    { plan: 'weekly', count: 1 },
  ]);
});

test('twelve months of MRR with new, churned and reactivated subscriptions, the current month as of now', (t) => {
  const { months } = computeRevenue(fixture, now);
  t.deepEqual(months.map((month) => month.month), [
    '2025-07', '2025-08', '2025-09', '2025-10', '2025-11', '2025-12', '2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06',
  ]);
  t.deepEqual(months.slice(0, 5).map((month) => month.mrr), [{}, {}, {}, {}, {}]);
  t.deepEqual(months.slice(5), [
    { month: '2025-12', mrr: { usd: 833 }, new: 1, churned: 0, reactivated: 0 }, // B: 10000 / 12
    { month: '2026-01', mrr: { usd: 2833 }, new: 1, churned: 0, reactivated: 0 }, // + A: 34000 / 12
    { month: '2026-02', mrr: { usd: 3333 }, new: 1, churned: 0, reactivated: 0 }, // + E: 40000 / 12
    { month: '2026-03', mrr: { usd: 3633, eur: 999 }, new: 2, churned: 0, reactivated: 0 }, // + H, + D
    { month: '2026-04', mrr: { usd: 3133, eur: 999 }, new: 0, churned: 1, reactivated: 0 }, // − E; G never paid
    { month: '2026-05', mrr: { usd: 3833, eur: 999 }, new: 0, churned: 0, reactivated: 1 }, // + F, customer c5 back
    { month: '2026-06', mrr: { usd: 4267, eur: 999 }, new: 1, churned: 0, reactivated: 0 }, // + J; C still in trial
  ]);
});

test('ARR to MRR rounds half up; amounts format with integer arithmetic and zero-decimal currencies', (t) => {
  t.is(monthlyOf(0), 0);
  t.is(monthlyOf(5), 0);
  t.is(monthlyOf(6), 1);
  t.is(monthlyOf(18), 2);
  t.is(formatMinor(123456, 'usd'), '1,234.56 USD');
  t.is(formatMinor(5, 'eur'), '0.05 EUR');
  t.is(formatMinor(0, 'eur'), '0.00 EUR');
  t.is(formatMinor(1500, 'jpy'), '1,500 JPY');
  t.is(formatMinor(-250, 'usd'), '-2.50 USD');
  t.deepEqual(computeRevenue([], now, 1), { mrr: {}, arr: {}, activeByPlan: [], months: [{ month: '2026-06', mrr: {}, new: 0, churned: 0, reactivated: 0 }], trials: { ended: 0, converted: 0 }, pastDue: { count: 0, mrr: {} } });
});
