import test from 'ava';
import { decideCharge, decideCustomer, decideInvoice, decideSubscription } from '../../workers/processors/events/customer-hints.js';

test('a customer event syncs the customer it is', (t) => {
  t.deepEqual(decideCustomer({ id: 'cus_1', object: 'customer' }), { kind: 'sync-customer', stripeCustomerId: 'cus_1' });
  t.deepEqual(decideCustomer({ object: 'customer' }), { kind: 'done', note: 'customer event without id' });
});

test('subscription and invoice events sync the customer they name, expanded or not', (t) => {
  t.deepEqual(decideSubscription({ id: 'sub_1', customer: 'cus_1' }), { kind: 'sync-customer', stripeCustomerId: 'cus_1' });
  t.deepEqual(decideInvoice({ id: 'in_1', customer: { id: 'cus_2' } }), { kind: 'sync-customer', stripeCustomerId: 'cus_2' });
  t.deepEqual(decideSubscription({ id: 'sub_1' }), { kind: 'done', note: 'subscription without customer' });
  t.deepEqual(decideInvoice({ id: 'in_1', customer: null }), { kind: 'done', note: 'invoice without customer' });
});

test('a charge syncs its customer', (t) => {
  t.deepEqual(decideCharge({ id: 'ch_1', object: 'charge', customer: 'cus_1' }), { kind: 'sync-customer', stripeCustomerId: 'cus_1' });
  t.deepEqual(decideCharge({ id: 'ch_1', object: 'charge' }), { kind: 'done', note: 'charge without customer' });
});

test('a dispute or refund names only its charge: the charge is fetched first', (t) => {
  t.deepEqual(decideCharge({ id: 'dp_1', object: 'dispute', charge: 'ch_1', customer: 'cus_ignored' }), { kind: 'fetch-charge', chargeId: 'ch_1' });
  t.deepEqual(decideCharge({ id: 're_1', object: 'refund', charge: { id: 'ch_2' } }), { kind: 'fetch-charge', chargeId: 'ch_2' });
  t.deepEqual(decideCharge({ id: 're_2', object: 'refund' }), { kind: 'done', note: 'refund without charge' });
});
