import test from 'ava';
import { findSecrets } from '../support/secret-patterns.js';

test('the log search finds each kind of secret', (t) => {
  const lines = [
    '{"message":"calling stripe","key":"sk_test_51HabcDEF"}',
    '{"secret":"whsec_test_secret_for_signatures"}',
    `{"authorization":"Bearer bk_admin_${'A'.repeat(32)}"}`,
    `{"header":"t=1764000000,v1=${'ab'.repeat(32)}"}`,
    '{"authorization":"Basic OmJrX2FkbWluX0FBQUFBQUFBQUFBQUE="}',
    '{"body":"card 4242424242424242 exp 12/30"}',
  ];
  t.deepEqual(findSecrets(lines).map(({ what }) => what), [
    'Stripe secret key', 'webhook signing secret', 'API key', 'Stripe-Signature header', 'HTTP Basic credentials', 'card number',
  ]);
});

test('the log search leaves ordinary lines alone: ids, timestamps, redacted values', (t) => {
  const lines = [
    '{"message":"request","durationMs":1.2,"timestamp":"2026-11-24T10:00:00.000Z","at":1764000000000}',
    '{"customer":"cus_Qx12","subscription":"sub_1PZ","event":"evt_3Abc","key":"[redacted]","prefix":"bk_admin_AbCd"}',
    '{"amount":4242424242424241}',
  ];
  t.deepEqual(findSecrets(lines), []);
});
