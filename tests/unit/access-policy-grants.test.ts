import test from 'ava';
import { subscriptionAccess, type SubscriptionStatus } from '../../shared/domain/index.js';
import { at, HOUR, item, NOW, POLICY, subscription } from './domain-builders.js';

// The DESIGN.md access policy table, row by row.

const DENIED = { granted: false, until: null };

for (const status of ['active', 'trialing'] as const) {
  test(`${status} grants without limit`, (t) => {
    t.deepEqual(subscriptionAccess(subscription({ status }), item(), POLICY, NOW), { granted: true, until: null });
  });
}

for (const status of ['canceled', 'unpaid', 'incomplete', 'incomplete_expired', 'paused'] as const satisfies SubscriptionStatus[]) {
  test(`${status} never grants, even with cancel_at_period_end ahead or past_due since now`, (t) => {
    t.deepEqual(subscriptionAccess(subscription({ status }), item(), POLICY, NOW), DENIED);
    const sub = subscription({ status, cancelAtPeriodEnd: true, pastDueSince: NOW });
    t.deepEqual(subscriptionAccess(sub, item(), POLICY, NOW), DENIED);
  });
}

test('past_due grants until pastDueSince + grace hours', (t) => {
  const sub = subscription({ status: 'past_due', pastDueSince: at(-10 * HOUR) });
  t.deepEqual(subscriptionAccess(sub, item(), POLICY, NOW), { granted: true, until: at(62 * HOUR) });
});

test('past_due one millisecond before the grace end still grants', (t) => {
  const sub = subscription({ status: 'past_due', pastDueSince: at(-72 * HOUR + 1) });
  t.deepEqual(subscriptionAccess(sub, item(), POLICY, NOW), { granted: true, until: at(1) });
});

test('past_due exactly at the grace end no longer grants', (t) => {
  const sub = subscription({ status: 'past_due', pastDueSince: at(-72 * HOUR) });
  t.deepEqual(subscriptionAccess(sub, item(), POLICY, NOW), DENIED);
});

test('past_due after the grace end does not grant', (t) => {
  const sub = subscription({ status: 'past_due', pastDueSince: at(-100 * HOUR) });
  t.deepEqual(subscriptionAccess(sub, item(), POLICY, NOW), DENIED);
});

test('past_due never seen before counts as first seen now', (t) => {
  const sub = subscription({ status: 'past_due', pastDueSince: null });
  t.deepEqual(subscriptionAccess(sub, item(), POLICY, NOW), { granted: true, until: at(72 * HOUR) });
});

test('the grace period is configurable; zero hours means no grace', (t) => {
  const sub = subscription({ status: 'past_due', pastDueSince: at(-1 * HOUR) });
  t.deepEqual(subscriptionAccess(sub, item(), { ...POLICY, pastDueGraceHours: 2 }, NOW), { granted: true, until: at(1 * HOUR) });
  t.deepEqual(subscriptionAccess(sub, item(), { ...POLICY, pastDueGraceHours: 0 }, NOW), DENIED);
});

for (const status of ['active', 'trialing'] as const) {
  test(`${status} with cancel_at_period_end grants until the item's period end`, (t) => {
    const sub = subscription({ status, cancelAtPeriodEnd: true });
    t.deepEqual(subscriptionAccess(sub, item({ currentPeriodEnd: at(5 * HOUR) }), POLICY, NOW), {
      granted: true,
      until: at(5 * HOUR),
    });
  });
}

test('cancel_at_period_end exactly at the period end no longer grants', (t) => {
  const sub = subscription({ cancelAtPeriodEnd: true });
  t.deepEqual(subscriptionAccess(sub, item({ currentPeriodEnd: NOW }), POLICY, NOW), DENIED);
});

test('cancel_at_period_end after the period end does not grant', (t) => {
  const sub = subscription({ cancelAtPeriodEnd: true });
  t.deepEqual(subscriptionAccess(sub, item({ currentPeriodEnd: at(-1) }), POLICY, NOW), DENIED);
});

test('cancel_at_period_end with an unknown period end grants without limit', (t) => {
  const sub = subscription({ cancelAtPeriodEnd: true });
  t.deepEqual(subscriptionAccess(sub, item({ currentPeriodEnd: null }), POLICY, NOW), { granted: true, until: null });
});

test('cancel_at_period_end applies per item', (t) => {
  const sub = subscription({ cancelAtPeriodEnd: true });
  t.deepEqual(subscriptionAccess(sub, item({ currentPeriodEnd: at(2 * HOUR) }), POLICY, NOW).until, at(2 * HOUR));
  t.deepEqual(subscriptionAccess(sub, item({ currentPeriodEnd: at(9 * HOUR) }), POLICY, NOW).until, at(9 * HOUR));
});

test('a period end without cancel_at_period_end sets no limit', (t) => {
  t.deepEqual(subscriptionAccess(subscription(), item({ currentPeriodEnd: at(1) }), POLICY, NOW), {
    granted: true,
    until: null,
  });
});

test('past_due with cancel_at_period_end: until is the earlier of grace end and period end', (t) => {
  const sub = subscription({ status: 'past_due', pastDueSince: NOW, cancelAtPeriodEnd: true });
  t.deepEqual(subscriptionAccess(sub, item({ currentPeriodEnd: at(10 * HOUR) }), POLICY, NOW).until, at(10 * HOUR));
  t.deepEqual(subscriptionAccess(sub, item({ currentPeriodEnd: at(100 * HOUR) }), POLICY, NOW).until, at(72 * HOUR));
});

test('past_due with cancel_at_period_end: a passed period end denies inside the grace period', (t) => {
  const sub = subscription({ status: 'past_due', pastDueSince: NOW, cancelAtPeriodEnd: true });
  t.deepEqual(subscriptionAccess(sub, item({ currentPeriodEnd: at(-1) }), POLICY, NOW), DENIED);
});

for (const status of ['active', 'trialing', 'past_due'] as const) {
  test(`a fully refunded latest invoice denies ${status}`, (t) => {
    const sub = subscription({ status, pastDueSince: NOW, latestInvoiceRefunded: true });
    t.deepEqual(subscriptionAccess(sub, item(), POLICY, NOW), DENIED);
  });
}

test('refunded, then a later invoice paid (flag cleared) grants again', (t) => {
  const refunded = subscription({ latestInvoiceRefunded: true });
  t.false(subscriptionAccess(refunded, item(), POLICY, NOW).granted);
  const repaid = { ...refunded, latestInvoiceRefunded: false };
  t.deepEqual(subscriptionAccess(repaid, item(), POLICY, NOW), { granted: true, until: null });
});

test('the policy does not mutate its inputs', (t) => {
  const periodEnd = at(HOUR);
  const sub = subscription({ status: 'past_due', pastDueSince: NOW, cancelAtPeriodEnd: true });
  const access = subscriptionAccess(sub, item({ currentPeriodEnd: periodEnd }), POLICY, NOW);
  access.until?.setTime(0);
  t.is(periodEnd.getTime(), at(HOUR).getTime());
  t.is(NOW.getTime(), new Date('2025-06-01T12:00:00.000Z').getTime());
});
