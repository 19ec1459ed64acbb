import test from 'ava';
import fc from 'fast-check';
import { combineContributions, combineValues, type Contribution, type FeatureValue } from '../../shared/domain/index.js';
import { at, HOUR } from './domain-builders.js';

// Integers keep float rounding out of associativity; order independence is tested with doubles below.
const value = fc.oneof(fc.constant(true as const), fc.nat({ max: 1_000_000 }));
const combine2 = (a: FeatureValue, b: FeatureValue): FeatureValue => combineValues([a, b]);

test('booleans OR: any number of true sources give true', (t) => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 20 }), (n) => combineValues([true, ...Array<true>(n - 1).fill(true)]) === true));
  t.is(combineValues([true]), true);
});

test('numbers add', (t) => {
  fc.assert(
    fc.property(fc.array(fc.nat({ max: 1_000_000 }), { minLength: 1 }), (ns) => {
      return combineValues(ns as [number, ...number[]]) === ns.reduce((s, n) => s + n, 0);
    }),
  );
  t.is(combineValues([10000, 500, 0]), 10500);
});

test('mixed boolean and numeric sources give the sum of the numeric ones', (t) => {
  t.is(combineValues([true, 5, true, 7]), 12);
  t.is(combineValues([0, true]), 0);
});

test('combining is commutative', (t) => {
  fc.assert(fc.property(value, value, (a, b) => combine2(a, b) === combine2(b, a)));
  t.is(combine2(true, 3), combine2(3, true));
});

test('combining is associative, and pairwise agrees with the list form', (t) => {
  fc.assert(
    fc.property(value, value, value, (a, b, c) => {
      const left = combine2(combine2(a, b), c);
      return left === combine2(a, combine2(b, c)) && left === combineValues([a, b, c]);
    }),
  );
  t.is(combine2(combine2(true, 2), 3), combine2(true, combine2(2, 3)));
});

test('the list form ignores order even for fractional numbers', (t) => {
  const values = fc.array(fc.oneof(fc.constant(true as const), fc.double({ min: 0, max: 1e6, noNaN: true })), { minLength: 1 });
  const withPermutation = values.chain((vs) =>
    fc.tuple(fc.constant(vs), fc.shuffledSubarray(vs, { minLength: vs.length, maxLength: vs.length })),
  );
  fc.assert(
    fc.property(withPermutation, ([vs, shuffled]) =>
      Object.is(combineValues(vs as [FeatureValue, ...FeatureValue[]]), combineValues(shuffled as [FeatureValue, ...FeatureValue[]])),
    ),
  );
  t.is(combineValues([0.1, 0.2, 0.3]), combineValues([0.3, 0.2, 0.1]));
});

const sub = (id: string) => ({ kind: 'subscription', id }) as const;
const grant = (id: string) => ({ kind: 'grant', id }) as const;
const c = (feature: string, value: FeatureValue, source: Contribution['source'], expiresAt: Date | null = null): Contribution => ({
  feature,
  value,
  source,
  expiresAt,
});

test('a boolean feature expires with its last source; never if any source never expires', (t) => {
  const [expiring] = combineContributions([c('pro', true, grant('g1'), at(HOUR)), c('pro', true, sub('s1'), at(5 * HOUR))]);
  t.deepEqual(expiring?.expiresAt, at(5 * HOUR));
  const [forever] = combineContributions([c('pro', true, grant('g1'), at(HOUR)), c('pro', true, sub('s1'))]);
  t.is(forever?.expiresAt, null);
});

test('a numeric feature changes when its first source expires; never if none expire', (t) => {
  const [expiring] = combineContributions([
    c('seats', 5, sub('s1')),
    c('seats', 2, grant('g1'), at(5 * HOUR)),
    c('seats', 1, grant('g2'), at(2 * HOUR)),
  ]);
  t.deepEqual(expiring, {
    feature: 'seats',
    value: 8,
    sources: [grant('g1'), grant('g2'), sub('s1')],
    expiresAt: at(2 * HOUR),
  });
  const [forever] = combineContributions([c('seats', 5, sub('s1')), c('seats', 2, grant('g1'))]);
  t.is(forever?.expiresAt, null);
});

test('boolean sources of a numeric feature do not set its expiry', (t) => {
  const [seats] = combineContributions([c('seats', true, grant('g1'), at(HOUR)), c('seats', 4, sub('s1'), at(9 * HOUR))]);
  t.is(seats?.value, 4);
  t.deepEqual(seats?.expiresAt, at(9 * HOUR));
});

test('sources are distinct and sorted by kind then id; features sorted by name', (t) => {
  const result = combineContributions([
    c('b', 1, sub('s2')),
    c('a', true, sub('s1')),
    c('b', 2, sub('s2')),
    c('b', 3, grant('g9')),
    c('b', 4, sub('s10')),
  ]);
  t.deepEqual(
    result.map((e) => e.feature),
    ['a', 'b'],
  );
  t.deepEqual(result[1], { feature: 'b', value: 10, sources: [grant('g9'), sub('s10'), sub('s2')], expiresAt: null });
});

test('no contributions give no entitlements', (t) => {
  t.deepEqual(combineContributions([]), []);
});
