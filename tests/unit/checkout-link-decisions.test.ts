import test from 'ava';
import { PermanentError } from '../../shared/errors.js';
import { decideFromPayload, decideFromSession, keepsExistingLink } from '../../workers/processors/events/checkout.js';

test('a payload without customer decides nothing more', (t) => {
  t.deepEqual(decideFromPayload({ id: 'cs_1', client_reference_id: 'user_1' }), { kind: 'done', note: 'checkout session without customer' });
});

test('a payload naming no user syncs its customer without asking Stripe about the session', (t) => {
  t.deepEqual(decideFromPayload({ id: 'cs_1', customer: 'cus_1' }), { kind: 'sync-customer', stripeCustomerId: 'cus_1' });
  t.deepEqual(decideFromPayload({ id: 'cs_1', customer: { id: 'cus_2' }, client_reference_id: 'not a user id!' }), { kind: 'sync-customer', stripeCustomerId: 'cus_2' });
});

test('a payload naming a user (client_reference_id or metadata.user_id) is confirmed with Stripe first', (t) => {
  t.deepEqual(decideFromPayload({ id: 'cs_1', customer: 'cus_1', client_reference_id: 'auth0|abc' }), { kind: 'confirm', sessionId: 'cs_1' });
  t.deepEqual(decideFromPayload({ id: 'cs_2', customer: 'cus_1', metadata: { user_id: 'user_9' } }), { kind: 'confirm', sessionId: 'cs_2' });
});

test('a payload naming a user without a session id fails permanently', (t) => {
  const error = t.throws(() => decideFromPayload({ id: 'not_a_session', customer: 'cus_1', client_reference_id: 'user_1' }), { instanceOf: PermanentError });
  t.is(error.code, 'unconfirmed_checkout_session');
});

test('a complete session links its user to its customer and syncs the customer', (t) => {
  t.deepEqual(decideFromSession({ id: 'cs_1', status: 'complete', customer: 'cus_1', client_reference_id: 'user_1' }), {
    decision: { kind: 'sync-customer', stripeCustomerId: 'cus_1' }, link: { stripeCustomerId: 'cus_1', userId: 'user_1' },
  });
});

test('the session as Stripe has it decides, not the payload: no user there, no link', (t) => {
  t.deepEqual(decideFromSession({ id: 'cs_1', status: 'complete', customer: 'cus_1' }), { decision: { kind: 'sync-customer', stripeCustomerId: 'cus_1' } });
  t.deepEqual(decideFromSession({ id: 'cs_1', status: 'complete', client_reference_id: 'user_1' }), { decision: { kind: 'done', note: 'checkout session without customer' } });
});

test('a session that is not complete fails permanently', (t) => {
  const error = t.throws(() => decideFromSession({ id: 'cs_1', status: 'open', customer: 'cus_1', client_reference_id: 'user_1' }), { instanceOf: PermanentError });
  t.is(error.code, 'unconfirmed_checkout_session');
  t.regex(error.message, /cs_1 is open/);
});

test('one user, one customer: only a user without a row, or already on this customer, is linked', (t) => {
  t.false(keepsExistingLink(undefined, 'cus_1'));
  t.false(keepsExistingLink({ stripe_customer_id: 'cus_1' }, 'cus_1'));
  t.true(keepsExistingLink({ stripe_customer_id: 'cus_other' }, 'cus_1'));
  t.true(keepsExistingLink({ stripe_customer_id: null }, 'cus_1'));
});
