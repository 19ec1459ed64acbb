import test from 'ava';
import fc from 'fast-check';
import {
  computeEntitlements,
  type Catalog,
  type CatalogPlan,
  type CustomerState,
  type GrantState,
  type ItemState,
  type SubscriptionState,
} from '../../shared/domain/index.js';
import { at, HOUR, NOW, POLICY } from './domain-builders.js';

// "The result depends only on the state, never on the order it was built in."

const feature = fc.constantFrom('api_calls', 'pro', 'seats', 'sso', 'team');
const number = fc.oneof(fc.nat({ max: 10_000 }), fc.nat({ max: 10_000 }).map((n) => n / 100), fc.double({ min: 0, max: 1000, noNaN: true, noDefaultInfinity: true }));
const instant = fc.integer({ min: -100, max: 100 }).map((hours) => at(hours * HOUR));
const priceId = fc.constantFrom('price_1', 'price_2', 'price_3');
const productId = fc.constantFrom('prod_1', 'prod_2', 'prod_3');
const lookupKey = fc.constantFrom('lk_1', 'lk_2');

const itemArb: fc.Arbitrary<ItemState> = fc.record({
  id: fc.constantFrom('si_1', 'si_2', 'si_3'),
  priceId,
  productId,
  lookupKey: fc.option(lookupKey),
  quantity: fc.nat({ max: 10 }),
  currentPeriodEnd: fc.option(instant),
});

const subscriptionArb: fc.Arbitrary<SubscriptionState> = fc.record({
  id: fc.constantFrom('sub_a', 'sub_b', 'sub_c', 'sub_d'),
  status: fc.constantFrom('active', 'trialing', 'past_due', 'canceled', 'unpaid', 'incomplete', 'incomplete_expired', 'paused'),
  cancelAtPeriodEnd: fc.boolean(),
  pastDueSince: fc.option(instant),
  latestInvoiceRefunded: fc.boolean(),
  latestInvoiceDispute: fc.option(fc.constantFrom('needs_response', 'under_review', 'won', 'lost', 'warning_closed')),
  items: fc.array(itemArb, { maxLength: 3 }),
});

const grantArb: fc.Arbitrary<GrantState> = fc.record({
  id: fc.constantFrom('g_1', 'g_2', 'g_3', 'g_4'),
  feature,
  value: fc.oneof(fc.constant(true as const), number),
  expiresAt: fc.option(instant),
  revokedAt: fc.option(instant),
});

const planArb: fc.Arbitrary<CatalogPlan> = fc.record({
  match: fc.oneof(
    lookupKey.map((lookup_key) => ({ lookup_key })),
    priceId.map((price) => ({ price })),
    productId.map((product) => ({ product })),
  ),
  features: fc.dictionary(feature, fc.oneof(fc.constant(true as const), fc.constant('quantity' as const), number)),
});

const catalogArb: fc.Arbitrary<Catalog> = fc.record({
  plans: fc.array(planArb, { maxLength: 5 }),
  productFeatures: fc.dictionary(productId, fc.array(feature, { maxLength: 3 })),
});

const stateArb: fc.Arbitrary<CustomerState> = fc.record({
  subscriptions: fc.array(subscriptionArb, { maxLength: 4 }),
  grants: fc.array(grantArb, { maxLength: 5 }),
});

/** A deterministic shuffler (mulberry32 + Fisher–Yates), so a failing seed replays. */
function shuffler(seed: number): <T>(values: readonly T[]) => T[] {
  let s = seed >>> 0;
  const random = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let r = Math.imul(s ^ (s >>> 15), 1 | s);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4_294_967_296;
  };
  return <T>(values: readonly T[]): T[] => {
    const out = [...values];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  };
}

const shuffleRecord = <V>(shuffle: <T>(values: readonly T[]) => T[], record: Record<string, V>): Record<string, V> =>
  Object.fromEntries(shuffle(Object.entries(record)));

function rebuilt(state: CustomerState, catalog: Catalog, seed: number): [CustomerState, Catalog] {
  const shuffle = shuffler(seed);
  return [
    {
      subscriptions: shuffle(state.subscriptions).map((sub) => ({ ...sub, items: shuffle(sub.items) })),
      grants: shuffle(state.grants),
    },
    {
      plans: shuffle(catalog.plans).map((plan) => ({ ...plan, features: shuffleRecord(shuffle, plan.features) })),
      productFeatures: Object.fromEntries(shuffle(Object.entries(catalog.productFeatures)).map(([k, v]) => [k, shuffle(v)])),
    },
  ];
}

const now = fc.integer({ min: -50, max: 50 }).map((hours) => at(hours * HOUR));

test('shuffling subscriptions, items, grants, plans and product features never changes the result', (t) => {
  fc.assert(
    fc.property(stateArb, catalogArb, now, fc.integer(), (state, catalog, when, seed) => {
      const expected = computeEntitlements(state, catalog, POLICY, when);
      const [state2, catalog2] = rebuilt(state, catalog, seed);
      return t.deepEqual(computeEntitlements(state2, catalog2, POLICY, when), expected);
    }),
    { numRuns: 500 },
  );
});

test('the shuffler really reorders (so the property above can fail)', (t) => {
  const shuffle = shuffler(42);
  const values = Array.from({ length: 20 }, (_, i) => i);
  const shuffled = shuffle(values);
  t.notDeepEqual(shuffled, values);
  t.deepEqual([...shuffled].sort((a, b) => a - b), values);
});

test('results are well formed: sorted features, sorted distinct sources, future expiries bounded by nextChangeAt', (t) => {
  fc.assert(
    fc.property(stateArb, catalogArb, now, (state, catalog, when) => {
      const { entitlements, nextChangeAt } = computeEntitlements(state, catalog, POLICY, when);
      const features = entitlements.map((e) => e.feature);
      t.deepEqual(features, [...new Set(features)].sort());
      for (const e of entitlements) {
        const keys = e.sources.map((s) => `${s.kind}:${s.id}`);
        t.deepEqual(keys, [...new Set(keys)].sort(), e.feature);
        if (e.expiresAt !== null) {
          t.true(e.expiresAt.getTime() > when.getTime(), 'expiry is in the future');
          t.true(nextChangeAt !== null && nextChangeAt.getTime() <= e.expiresAt.getTime(), 'nextChangeAt comes first');
        }
      }
      if (nextChangeAt !== null) t.true(nextChangeAt.getTime() > when.getTime(), 'nextChangeAt is in the future');
    }),
  );
});

test('computing does not mutate the state or the catalog', (t) => {
  fc.assert(
    fc.property(stateArb, catalogArb, (state, catalog) => {
      const before = structuredClone({ state, catalog });
      computeEntitlements(state, catalog, POLICY, NOW);
      return t.deepEqual({ state, catalog }, before);
    }),
    { numRuns: 100 },
  );
});

test('fractional numbers sum to the same value in every order', (t) => {
  const grants: GrantState[] = [0.1, 0.2, 0.3].map((value, i) => ({ id: `g_${i}`, feature: 'storage', value, expiresAt: null, revokedAt: null }));
  const catalog: Catalog = { plans: [], productFeatures: {} };
  const orders = [
    [0, 1, 2],
    [0, 2, 1],
    [1, 0, 2],
    [1, 2, 0],
    [2, 0, 1],
    [2, 1, 0],
  ];
  const sums = orders.map((order) => {
    const result = computeEntitlements({ subscriptions: [], grants: order.map((i) => grants[i]) }, catalog, POLICY, NOW);
    return result.entitlements[0]?.value;
  });
  t.deepEqual(new Set(sums).size, 1, `sums: ${sums.join(', ')}`);
});
