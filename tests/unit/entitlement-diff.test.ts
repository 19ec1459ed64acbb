import test from 'ava';
import { diffEntitlements } from '../../shared/domain/entitlement-diff.js';

interface Row { feature: string; value: unknown; sources?: unknown[]; expires_at?: string | null }
const row = (feature: string, value: unknown, extra: Partial<Row> = {}): Row => ({ feature, value, ...extra });

test('added, removed and changed features, each ordered by name whatever the input order', (t) => {
  const before = [row('pro', true), row('api_calls', 1000), row('beta', true), row('seats', 2)];
  const after = [row('seats', 5), row('team', true), row('api_calls', 1000), row('export', true), row('pro', true)];
  t.deepEqual(diffEntitlements(before, after), {
    added: [row('export', true), row('team', true)],
    removed: [row('beta', true)],
    changed: [{ feature: 'seats', before: row('seats', 2), after: row('seats', 5) }],
  });
});

test('equal lists are no change, and the key order of nested values never counts as one', (t) => {
  const before = [row('limits', { b: 2, a: [1, { y: null, x: 'z' }] }, { sources: [{ type: 'plan', id: 'p' }] })];
  const after = [{ sources: [{ id: 'p', type: 'plan' }], value: { a: [1, { x: 'z', y: null }], b: 2 }, feature: 'limits' }];
  t.deepEqual(diffEntitlements(before, after), { added: [], removed: [], changed: [] });
  t.deepEqual(diffEntitlements([], []), { added: [], removed: [], changed: [] });
});

test('a change of value, of sources, of expiry, or to or from null is a change', (t) => {
  const base = row('pro', true, { sources: [{ type: 'plan' }], expires_at: null });
  for (const changed of [row('pro', false, { sources: [{ type: 'plan' }], expires_at: null }), row('pro', true, { sources: [{ type: 'grant' }], expires_at: null }),
    row('pro', true, { sources: [{ type: 'plan' }], expires_at: '2030-01-01T00:00:00Z' }), row('pro', null, { sources: [{ type: 'plan' }], expires_at: null })]) {
    t.deepEqual(diffEntitlements([base], [changed]).changed, [{ feature: 'pro', before: base, after: changed }]);
  }
  t.deepEqual(diffEntitlements([row('n', [1, 2])], [row('n', [2, 1])]).changed.map(({ feature }) => feature), ['n'], 'array order counts');
  t.deepEqual(diffEntitlements([row('u', undefined)], [row('u', null)]).changed, [], 'an absent value reads as null');
});
