import test from 'ava';
import fc from 'fast-check';
import { admit, computeBalance, type LedgerEntry, type MeteredFeature, type OveragePolicy, type UsagePeriod } from '../../shared/domain/index.js';

// "A balance depends only on its inputs, never on their order; `reject` never lets use pass the allowance; rollover never passes its max."

const DAY = 86_400_000;
const now = new Date('2026-03-15T12:00:00Z');
const period: UsagePeriod = { start: new Date('2026-03-01T00:00:00Z'), end: new Date('2026-04-01T00:00:00Z') };
const previous: UsagePeriod = { start: new Date('2026-02-01T00:00:00Z'), end: period.start };
const policyArb: fc.Arbitrary<MeteredFeature> = fc.record({
  metered: fc.constant(true),
  reset: fc.constant('month' as const),
  overage: fc.constantFrom<OveragePolicy>('reject', 'allow', 'cap'),
  rollover: fc.option(fc.record({ max: fc.nat({ max: 500 }), expires_after_days: fc.option(fc.nat({ max: 40 }), { nil: undefined }) }), { nil: undefined }),
});
const rowArb: fc.Arbitrary<LedgerEntry> = fc.record({
  amount: fc.integer({ min: -200, max: 400 }),
  periodStart: fc.constantFrom(previous.start, period.start, new Date('2026-01-01T00:00:00Z')),
}).map((row) => ({ ...row, periodEnd: row.periodStart.getTime() === period.start.getTime() ? period.end : row.periodStart.getTime() === previous.start.getTime() ? previous.end : previous.start }));
const holdArb = fc.record({ amount: fc.integer({ min: 1, max: 100 }), expiresAt: fc.integer({ min: -3, max: 3 }).map((hours) => new Date(now.getTime() + hours * 3_600_000 + 1)) });
const allowanceArb = fc.option(fc.nat({ max: 5000 }));

test('the balance does not depend on the order of ledger rows or reservations', (t) => {
  fc.assert(fc.property(allowanceArb, policyArb, fc.array(rowArb, { maxLength: 30 }), fc.array(holdArb, { maxLength: 5 }), (allowance, policy, ledger, reservations) => {
    const forward = computeBalance({ allowance, policy, period, ledger, reservations, now });
    const backward = computeBalance({ allowance, policy, period, ledger: [...ledger].reverse(), reservations: [...reservations].reverse(), now });
    t.deepEqual(backward, forward);
  }));
});

test('under reject, consumption admitted one request at a time never exceeds the allowance', (t) => {
  fc.assert(fc.property(fc.nat({ max: 1000 }), fc.array(fc.integer({ min: 1, max: 120 }), { maxLength: 60 }), (allowance, amounts) => {
    const policy: MeteredFeature = { metered: true, reset: 'month', overage: 'reject' };
    const ledger: LedgerEntry[] = [];
    for (const amount of amounts) {
      const { remaining } = computeBalance({ allowance, policy, period, ledger, reservations: [], now });
      const decision = admit(remaining, amount, 'reject');
      if (decision.allowed) ledger.push({ amount: decision.counted, periodStart: period.start, periodEnd: period.end });
    }
    const balance = computeBalance({ allowance, policy, period, ledger, reservations: [], now });
    t.true(balance.used <= allowance);
    t.true((balance.remaining ?? 0) >= 0);
  }));
});

test('cap counts at most what is left and refuses when nothing is; allow always admits', (t) => {
  fc.assert(fc.property(fc.integer({ min: -50, max: 200 }), fc.integer({ min: 1, max: 300 }), (remaining, amount) => {
    const capped = admit(remaining, amount, 'cap');
    t.is(capped.allowed, remaining > 0);
    t.is(capped.counted, capped.allowed ? Math.min(amount, remaining) : 0);
    t.deepEqual(admit(remaining, amount, 'allow'), { allowed: true, counted: amount });
    t.deepEqual(admit(null, amount, 'reject'), { allowed: true, counted: amount });
  }));
});

test('rollover never exceeds its max, and carried units stop counting after their expiry', (t) => {
  fc.assert(fc.property(fc.nat({ max: 5000 }), policyArb, fc.array(rowArb, { maxLength: 30 }), (allowance, policy, ledger) => {
    const balance = computeBalance({ allowance, policy, period, ledger, reservations: [], now });
    t.true(balance.rollover >= 0);
    t.true(balance.rollover <= (policy.rollover?.max ?? 0));
    const expiry = policy.rollover?.expires_after_days;
    if (expiry !== undefined && period.start.getTime() + expiry * DAY <= now.getTime()) t.is(balance.rollover, 0);
  }));
});
