import test from 'ava';
import { decideSummary } from '../../workers/processors/events/entitlement-summary.js';

test('the stored summary is the lookup keys of the active entitlements, sorted', (t) => {
  t.deepEqual(decideSummary('cus_1', [{ lookup_key: 'seats' }, { lookup_key: 'api_calls' }, { lookup_key: 'pro' }]), {
    stripeCustomerId: 'cus_1', lookupKeys: ['api_calls', 'pro', 'seats'],
  });
});

test('two lists in different orders store the same value', (t) => {
  const one = decideSummary('cus_1', [{ lookup_key: 'b' }, { lookup_key: 'a' }]);
  const other = decideSummary('cus_1', [{ lookup_key: 'a' }, { lookup_key: 'b' }]);
  t.deepEqual(one.lookupKeys, other.lookupKeys);
  t.deepEqual(one.lookupKeys, ['a', 'b']);
});

test('no active entitlement (or a customer Stripe deleted) stores an empty list', (t) => {
  t.deepEqual(decideSummary('cus_2', []), { stripeCustomerId: 'cus_2', lookupKeys: [] });
});
