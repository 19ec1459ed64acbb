import test from 'ava';
import { computeEntitlements, type Catalog, type GrantState } from '../../shared/domain/index.js';
import { at, grant, HOUR, NOW, POLICY, subscription } from './domain-builders.js';

const noCatalog: Catalog = { plans: [], productFeatures: {} };
const compute = (grants: GrantState[], now: Date = NOW) => computeEntitlements({ subscriptions: [], grants }, noCatalog, POLICY, now);

test('a grant without expiry adds its feature for good', (t) => {
  t.deepEqual(compute([grant({ id: 'g1', feature: 'beta' })]), {
    entitlements: [{ feature: 'beta', value: true, sources: [{ kind: 'grant', id: 'g1' }], expiresAt: null }],
    nextChangeAt: null,
  });
});

test('a grant with a future expiry counts until then', (t) => {
  const result = compute([grant({ feature: 'api_calls', value: 500, expiresAt: at(3 * HOUR) })]);
  t.deepEqual(result.entitlements.map((e) => [e.feature, e.value, e.expiresAt]), [['api_calls', 500, at(3 * HOUR)]]);
  t.deepEqual(result.nextChangeAt, at(3 * HOUR));
});

test('a grant stops counting exactly at its expiry', (t) => {
  t.deepEqual(compute([grant({ expiresAt: at(1) })]).entitlements.length, 1);
  t.deepEqual(compute([grant({ expiresAt: NOW })]), { entitlements: [], nextChangeAt: null });
  t.deepEqual(compute([grant({ expiresAt: at(-HOUR) })]), { entitlements: [], nextChangeAt: null });
});

test('a revoked grant does not count, whatever its expiry', (t) => {
  t.deepEqual(compute([grant({ revokedAt: at(-HOUR) })]), { entitlements: [], nextChangeAt: null });
  t.deepEqual(compute([grant({ revokedAt: NOW, expiresAt: at(HOUR) })]), { entitlements: [], nextChangeAt: null });
});

test('a revocation dated after now ends the grant then (computing as of an earlier instant)', (t) => {
  const result = compute([grant({ revokedAt: at(2 * HOUR), expiresAt: at(5 * HOUR) })]);
  t.deepEqual(result.entitlements[0]?.expiresAt, at(2 * HOUR));
  t.deepEqual(result.nextChangeAt, at(2 * HOUR));
});

test('grants add to subscription features: numbers add, booleans OR, both sources listed', (t) => {
  const catalog: Catalog = { plans: [{ match: { product: 'prod_pro' }, features: { pro: true, api_calls: 1000 } }], productFeatures: {} };
  const result = computeEntitlements(
    {
      subscriptions: [subscription({ id: 'sub_1' })],
      grants: [
        grant({ id: 'g_calls', feature: 'api_calls', value: 250, expiresAt: at(HOUR) }),
        grant({ id: 'g_pro', feature: 'pro', value: true, expiresAt: at(2 * HOUR) }),
      ],
    },
    catalog,
    POLICY,
    NOW,
  );
  t.deepEqual(result, {
    entitlements: [
      {
        feature: 'api_calls',
        value: 1250,
        sources: [
          { kind: 'grant', id: 'g_calls' },
          { kind: 'subscription', id: 'sub_1' },
        ],
        expiresAt: at(HOUR),
      },
      {
        feature: 'pro',
        value: true,
        sources: [
          { kind: 'grant', id: 'g_pro' },
          { kind: 'subscription', id: 'sub_1' },
        ],
        expiresAt: null,
      },
    ],
    nextChangeAt: at(HOUR),
  });
});

test('nextChangeAt is the earliest end among live grants', (t) => {
  const result = compute([
    grant({ id: 'g1', expiresAt: at(5 * HOUR) }),
    grant({ id: 'g2', feature: 'other', expiresAt: at(2 * HOUR) }),
    grant({ id: 'g3', expiresAt: at(-1) }),
  ]);
  t.deepEqual(result.nextChangeAt, at(2 * HOUR));
  t.deepEqual(result.entitlements.map((e) => e.feature), ['beta', 'other']);
});
