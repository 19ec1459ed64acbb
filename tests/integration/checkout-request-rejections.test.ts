import test from 'ava';
import nock from 'nock';
import { createKey } from '../../shared/api-keys.js';
import { startServices } from '../support/services.js';

// No Stripe interceptors at all: every request here must be refused before Stripe is called.
nock.disableNetConnect();
nock.enableNetConnect('127.0.0.1');

const valid = { user_id: 'user_1', price: 'price_1', success_url: 'https://app.example/done', cancel_url: 'https://app.example/cancel' };

test('each bad field is a 400 naming it, before any Stripe call', async (t) => {
  const { api, url } = await startServices(t, { env: { CHECKOUT_MAX_QUANTITY: '5' } });
  const { key } = await createKey(api.context.db, { name: 'checkout', scope: 'write' });
  const post = (body: string, type = 'application/json') =>
    fetch(`${url}/v1/checkout/sessions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': type }, body });
  const without = (field: keyof typeof valid) => Object.fromEntries(Object.entries(valid).filter(([key]) => key !== field));

  const cases: [string, unknown, string][] = [
    ['user_id with unsafe characters', { ...valid, user_id: 'a b<script>' }, 'user_id'],
    ['user_id too long', { ...valid, user_id: 'u'.repeat(201) }, 'user_id'],
    ['user_id empty', { ...valid, user_id: '' }, 'user_id'],
    ['user_id missing', without('user_id'), 'user_id'],
    ['both price and lookup_key', { ...valid, lookup_key: 'pro_monthly' }, 'price'],
    ['neither price nor lookup_key', without('price'), 'price'],
    ['price with a slash', { ...valid, price: 'price_1/../x' }, 'price'],
    ['quantity zero', { ...valid, quantity: 0 }, 'quantity'],
    ['quantity fractional', { ...valid, quantity: 1.5 }, 'quantity'],
    ['quantity over CHECKOUT_MAX_QUANTITY', { ...valid, quantity: 6 }, 'quantity'],
    ['quantity as a string', { ...valid, quantity: '2' }, 'quantity'],
    ['relative success_url', { ...valid, success_url: '/done' }, 'success_url'],
    ['javascript: success_url', { ...valid, success_url: 'javascript:alert(1)' }, 'success_url'],
    ['ftp cancel_url', { ...valid, cancel_url: 'ftp://files.example/x' }, 'cancel_url'],
    ['cancel_url missing', without('cancel_url'), 'cancel_url'],
    ['bad email', { ...valid, email: 'not-an-email' }, 'email'],
    ['trial_days zero', { ...valid, trial_days: 0 }, 'trial_days'],
    ['trial_days past Stripe\'s limit', { ...valid, trial_days: 731 }, 'trial_days'],
    ['allow_promotion_codes not a boolean', { ...valid, allow_promotion_codes: 'yes' }, 'allow_promotion_codes'],
    ['an unknown field', { ...valid, coupon: 'FREE' }, 'coupon'],
  ];
  for (const [name, body, field] of cases) {
    const response = await post(JSON.stringify(body));
    t.is(response.status, 400, name);
    const { error } = (await response.json()) as { error: { type: string; code: string; message: string; param: string } };
    t.is(error.code, 'invalid_request_body', name);
    t.is(error.param, field, name);
    t.true(error.message.startsWith(`${field}: `), `${name}: ${error.message}`);
  }

  const array = await post('[]');
  t.is(array.status, 400);
  t.like(await array.json(), { error: { code: 'invalid_request_body' } });
  const notJson = await post('user_id=1', 'application/x-www-form-urlencoded');
  t.is(notJson.status, 400);
  const broken = await post('{"user_id":');
  t.is(broken.status, 400);
  t.like(await broken.json(), { error: { type: 'invalid_request', code: 'entity_parse_failed' } });
  const huge = await post(JSON.stringify({ ...valid, email: `${'a'.repeat(110_000)}@example.com` }));
  t.is(huge.status, 413);
  t.like(await huge.json(), { error: { code: 'payload_too_large' } });
});

test('checkout needs a key with scope write or admin: none → 401, read → 403', async (t) => {
  const { api, url } = await startServices(t);
  const db = api.context.db;
  const post = (key?: string) =>
    fetch(`${url}/v1/checkout/sessions`, { method: 'POST', headers: { 'content-type': 'application/json', ...(key && { authorization: `Bearer ${key}` }) }, body: JSON.stringify({ nonsense: true }) });

  const none = await post();
  t.is(none.status, 401);
  t.like(await none.json(), { error: { type: 'authentication', code: 'unauthorized' } });
  t.is((await post('bk_write_notarealkeynotarealkeynotarealkey')).status, 401);
  const read = await post((await createKey(db, { name: 'reader', scope: 'read' })).key);
  t.is(read.status, 403);
  t.like(await read.json(), { error: { type: 'permission', code: 'forbidden' } });
  // Past authentication, the nonsense body is what fails: write and admin keys are let through.
  t.is((await post((await createKey(db, { name: 'writer', scope: 'write' })).key)).status, 400);
  t.is((await post((await createKey(db, { name: 'admin', scope: 'admin' })).key)).status, 400);
});
