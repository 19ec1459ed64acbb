import test from 'ava';
import { disputeDenies, subscriptionAccess, type DisputePolicy, type DisputeStatus } from '../../shared/domain/index.js';
import { item, NOW, POLICY, subscription } from './domain-builders.js';

const statuses: DisputeStatus[] = ['warning_needs_response', 'warning_under_review', 'warning_closed', 'needs_response', 'under_review', 'won', 'lost', 'prevented'];

/** The statuses each policy denies access for; every other status (and no dispute) keeps access. */
const denied: Record<DisputePolicy, DisputeStatus[]> = {
  revoke_on_open: ['warning_needs_response', 'warning_under_review', 'needs_response', 'under_review', 'lost'],
  revoke_on_lost: ['lost'],
  ignore: [],
};

for (const [policy, denying] of Object.entries(denied) as [DisputePolicy, DisputeStatus[]][]) {
  for (const status of statuses) {
    const denies = denying.includes(status);
    test(`${policy}: a dispute ${status} ${denies ? 'denies' : 'keeps'} access`, (t) => {
      t.is(disputeDenies(status, policy), denies);
      const access = subscriptionAccess(subscription({ latestInvoiceDispute: status }), item(), { ...POLICY, disputePolicy: policy }, NOW);
      t.is(access.granted, !denies);
    });
  }
  test(`${policy}: no dispute keeps access`, (t) => {
    t.false(disputeDenies(null, policy));
    t.deepEqual(subscriptionAccess(subscription(), item(), { ...POLICY, disputePolicy: policy }, NOW), { granted: true, until: null });
  });
}

test('a won dispute does not restore a status that gives no access, nor a full refund', (t) => {
  t.false(subscriptionAccess(subscription({ status: 'canceled', latestInvoiceDispute: 'won' }), item(), POLICY, NOW).granted);
  t.false(subscriptionAccess(subscription({ latestInvoiceRefunded: true, latestInvoiceDispute: 'won' }), item(), POLICY, NOW).granted);
});
