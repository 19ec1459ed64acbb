import test from 'ava';
import { computeEntitlements, isEntitled, type Catalog, type SubscriptionState } from '../../shared/domain/index.js';
import { at, HOUR, item, NOW, POLICY, subscription } from './domain-builders.js';

const catalog: Catalog = {
  plans: [
    { match: { lookup_key: 'pro_monthly' }, features: { pro: true, api_calls: 10000 } },
    { match: { product: 'prod_team' }, features: { team: true, seats: 'quantity' } },
  ],
  productFeatures: { prod_team: ['sso'] },
};
const teamItem = item({ id: 'si_team', priceId: 'price_team', productId: 'prod_team', lookupKey: null, quantity: 4 });
const compute = (subscriptions: SubscriptionState[], now: Date = NOW) =>
  computeEntitlements({ subscriptions, grants: [] }, catalog, POLICY, now);
const values = (subscriptions: SubscriptionState[]) =>
  Object.fromEntries(compute(subscriptions).entitlements.map((e) => [e.feature, e.value]));

test('an active subscription gives its items\' features, sourced to the subscription, without expiry', (t) => {
  const result = compute([subscription({ id: 'sub_1', items: [item(), teamItem] })]);
  const source = [{ kind: 'subscription', id: 'sub_1' }];
  t.deepEqual(result, {
    entitlements: [
      { feature: 'api_calls', value: 10000, sources: source, expiresAt: null },
      { feature: 'pro', value: true, sources: source, expiresAt: null },
      { feature: 'seats', value: 4, sources: source, expiresAt: null },
      { feature: 'sso', value: true, sources: source, expiresAt: null },
      { feature: 'team', value: true, sources: source, expiresAt: null },
    ],
    nextChangeAt: null,
  });
});

test('a subscription without access gives nothing', (t) => {
  for (const status of ['canceled', 'unpaid', 'incomplete', 'incomplete_expired', 'paused'] as const) {
    t.deepEqual(compute([subscription({ status })]), { entitlements: [], nextChangeAt: null }, status);
  }
  t.deepEqual(compute([subscription({ latestInvoiceRefunded: true })]), { entitlements: [], nextChangeAt: null });
});

test('past_due features last until the grace end, which is the next change', (t) => {
  const result = compute([subscription({ status: 'past_due', pastDueSince: at(-70 * HOUR) })]);
  t.deepEqual(result.entitlements.map((e) => [e.feature, e.expiresAt]), [
    ['api_calls', at(2 * HOUR)],
    ['pro', at(2 * HOUR)],
  ]);
  t.deepEqual(result.nextChangeAt, at(2 * HOUR));
  t.deepEqual(compute([subscription({ status: 'past_due', pastDueSince: at(-70 * HOUR) })], at(2 * HOUR)).entitlements, []);
});

test('cancel_at_period_end features last until the period end, which is the next change', (t) => {
  const result = compute([subscription({ cancelAtPeriodEnd: true, items: [item({ currentPeriodEnd: at(6 * HOUR) })] })]);
  t.true(result.entitlements.every((e) => e.expiresAt?.getTime() === at(6 * HOUR).getTime()));
  t.deepEqual(result.nextChangeAt, at(6 * HOUR));
});

test('two subscriptions add their numbers and both appear as sources', (t) => {
  const result = compute([subscription({ id: 'sub_b', items: [teamItem] }), subscription({ id: 'sub_a', items: [{ ...teamItem, quantity: 2 }] })]);
  const seats = result.entitlements.find((e) => e.feature === 'seats');
  t.deepEqual(seats, {
    feature: 'seats',
    value: 6,
    sources: [
      { kind: 'subscription', id: 'sub_a' },
      { kind: 'subscription', id: 'sub_b' },
    ],
    expiresAt: null,
  });
});

test('a quantity of 0 keeps the feature with value 0, which is not entitled', (t) => {
  t.deepEqual(values([subscription({ items: [{ ...teamItem, quantity: 0 }] })]), { seats: 0, sso: true, team: true });
});

test('two items of one subscription add up and list the subscription once', (t) => {
  const result = compute([subscription({ id: 'sub_1', items: [teamItem, { ...teamItem, id: 'si_2', quantity: 3 }] })]);
  const seats = result.entitlements.find((e) => e.feature === 'seats');
  t.is(seats?.value, 7);
  t.deepEqual(seats?.sources, [{ kind: 'subscription', id: 'sub_1' }]);
});

test('an item matching nothing gives nothing', (t) => {
  t.deepEqual(values([subscription({ items: [item({ lookupKey: 'basic', productId: 'prod_basic' })] })]), {});
});

test('isEntitled: true and positive numbers are; 0 is not', (t) => {
  t.true(isEntitled(true));
  t.true(isEntitled(1));
  t.true(isEntitled(0.5));
  t.false(isEntitled(0));
});
