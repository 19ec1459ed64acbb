import test from 'ava';
import { computeBalance, meteredPolicy, periodAt, type MeteredFeature } from '../../shared/domain/index.js';

const policy: MeteredFeature = { metered: true, reset: 'month', overage: 'reject', rollover: { max: 300 } };
const march = { start: new Date('2026-03-01T00:00:00Z'), end: new Date('2026-04-01T00:00:00Z') };
const feb = { start: new Date('2026-02-01T00:00:00Z'), end: march.start };
const now = new Date('2026-03-10T00:00:00Z');
const row = (amount: number, p: { start: Date; end: Date | null }) => ({ amount, periodStart: p.start, periodEnd: p.end });

test('a balance: allowance plus credits and rollover, minus use and live reservations', (t) => {
  const balance = computeBalance({
    allowance: 1000, policy, period: march, now,
    ledger: [row(400, feb), row(100, march), row(50, march), row(-25, march)],
    reservations: [{ amount: 10, expiresAt: new Date(now.getTime() + 1000) }, { amount: 99, expiresAt: now }],
  });
  t.deepEqual(balance, {
    granted: 1000 + 300 + 25, used: 150, reserved: 10, remaining: 1325 - 160, rollover: 300,
    period_start: '2026-03-01T00:00:00.000Z', period_end: '2026-04-01T00:00:00.000Z', next_reset_at: '2026-04-01T00:00:00.000Z',
  });
});

test('rollover: nothing without rows in the previous period, nothing for an unlimited feature, and it expires', (t) => {
  t.is(computeBalance({ allowance: 1000, policy, period: march, now, ledger: [row(5, march)], reservations: [] }).rollover, 0);
  const unlimited = computeBalance({ allowance: null, policy, period: march, now, ledger: [row(900, feb), row(5, march)], reservations: [] });
  t.like(unlimited, { granted: null, remaining: null, used: 5, rollover: 0 });
  const expiring: MeteredFeature = { ...policy, rollover: { max: 300, expires_after_days: 5 } };
  t.is(computeBalance({ allowance: 1000, policy: expiring, period: march, now: new Date('2026-03-04T00:00:00Z'), ledger: [row(900, feb)], reservations: [] }).rollover, 100);
  t.is(computeBalance({ allowance: 1000, policy: expiring, period: march, now, ledger: [row(900, feb)], reservations: [] }).rollover, 0);
});

test('periods: UTC calendar intervals, weeks from Monday, never, and the billing period while it lasts', (t) => {
  const at = new Date('2026-03-12T15:30:00Z'); // a Thursday
  t.deepEqual(periodAt('day', at, null), { start: new Date('2026-03-12T00:00:00Z'), end: new Date('2026-03-13T00:00:00Z') });
  t.deepEqual(periodAt('week', at, null), { start: new Date('2026-03-09T00:00:00Z'), end: new Date('2026-03-16T00:00:00Z') });
  t.deepEqual(periodAt('week', new Date('2026-03-15T23:00:00Z'), null).start, new Date('2026-03-09T00:00:00Z'), 'Sunday belongs to the week that began on Monday');
  t.deepEqual(periodAt('month', new Date('2026-12-31T23:59:59Z'), null), { start: new Date('2026-12-01T00:00:00Z'), end: new Date('2027-01-01T00:00:00Z') });
  t.deepEqual(periodAt('never', at, null), { start: new Date(0), end: null });
  const billing = { start: new Date('2026-03-05T10:00:00Z'), end: new Date('2026-04-05T10:00:00Z') };
  t.deepEqual(periodAt('billing_period', at, billing), billing);
  t.deepEqual(periodAt('billing_period', new Date('2026-04-06T00:00:00Z'), billing).start, new Date('2026-04-01T00:00:00Z'), 'a lapsed billing period counts by calendar month');
  t.deepEqual(periodAt('billing_period', at, null).start, new Date('2026-03-01T00:00:00Z'));
});

test('a feature is metered only when the catalog says so', (t) => {
  t.is(meteredPolicy(undefined, 'api_calls'), undefined);
  t.is(meteredPolicy({ api_calls: { ...policy, metered: false } }, 'api_calls'), undefined);
  t.is(meteredPolicy({ api_calls: policy }, 'toString'), undefined);
  t.is(meteredPolicy({ api_calls: policy }, 'api_calls'), policy);
});
