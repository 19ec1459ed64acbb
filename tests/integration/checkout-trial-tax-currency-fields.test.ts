import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import nock from 'nock';
import { createKey } from '../../shared/api-keys.js';
import { startServices } from '../support/services.js';

// Stripe through nock only; the api and the databases stay reachable.
nock.disableNetConnect();
nock.enableNetConnect('127.0.0.1');
const stripeApi = 'https://api.stripe.com';
type Form = Record<string, string>;

const unique = (prefix: string) => `${prefix}_${randomBytes(6).toString('hex')}`;
const urls = { success_url: 'https://app.example/done', cancel_url: 'https://app.example/billing' };
const recurringPrice = (id: string, extra: Record<string, unknown> = {}) => ({
  id, object: 'price', active: true, type: 'recurring', recurring: { interval: 'month', interval_count: 1 }, product: 'prod_trials', currency: 'usd', unit_amount: 1500, lookup_key: null, ...extra,
});

async function setup(t: ExecutionContext, env: Record<string, string> = {}) {
  const services = await startServices(t, { env });
  const { key } = await createKey(services.api.context.db, { name: 'checkout', scope: 'write' });
  const post = (body: unknown) =>
    fetch(`${services.url}/v1/checkout/sessions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { ...services, post };
}

/** A linked user (no customer is created) and the form of every session Stripe is asked to create for them. */
async function linkedUser(services: Awaited<ReturnType<typeof setup>>) {
  const userId = unique('user');
  await services.api.context.db('customers').insert({ user_id: userId, stripe_customer_id: unique('cus') });
  const sessions: Form[] = [];
  nock(stripeApi).post('/v1/checkout/sessions', (body: Form) => body.client_reference_id === userId).reply(async (req: Request) => {
    sessions.push(Object.fromEntries(new URLSearchParams(await req.text())));
    return [200, { id: unique('cs_test'), object: 'checkout.session', url: 'https://checkout.stripe.com/c/pay/x' }];
  });
  return { userId, sessions };
}

const subsetOf = (form: Form | undefined, prefix: string) => Object.fromEntries(Object.entries(form ?? {}).filter(([key]) => key.startsWith(prefix)));

test('a trial without a card: if_required collection, and the configured end behaviour for a missing payment method', async (t) => {
  const services = await setup(t, { CHECKOUT_TRIAL_MISSING_PAYMENT_METHOD: 'cancel' });
  const { userId, sessions } = await linkedUser(services);
  const price = unique('price');
  nock(stripeApi).get(`/v1/prices/${price}`).reply(200, recurringPrice(price));

  const response = await services.post({ user_id: userId, price, trial_days: 7, payment_method_collection: 'if_required', ...urls });
  t.is(response.status, 201);
  t.is(sessions[0]?.payment_method_collection, 'if_required');
  t.deepEqual(subsetOf(sessions[0], 'subscription_data[trial'), {
    'subscription_data[trial_period_days]': '7',
    'subscription_data[trial_settings][end_behavior][missing_payment_method]': 'cancel',
  });
});

test('the catalog plan\'s trial applies when the request names none; a request\'s own trial days win', async (t) => {
  const catalog = join(tmpdir(), `${unique('catalog')}.json`);
  const lookupKey = unique('trial_monthly');
  writeFileSync(catalog, JSON.stringify({ plans: [{ match: { lookup_key: lookupKey }, features: { pro: true }, trial_days: 21 }] }));
  const services = await setup(t, { CATALOG_FILE: catalog });
  const first = await linkedUser(services);
  const second = await linkedUser(services);
  nock(stripeApi).get('/v1/prices').query(true).times(2).reply(200, { object: 'list', data: [recurringPrice('price_trial', { lookup_key: lookupKey })], has_more: false });

  t.is((await services.post({ user_id: first.userId, lookup_key: lookupKey, payment_method_collection: 'if_required', ...urls })).status, 201);
  t.is((await services.post({ user_id: second.userId, lookup_key: lookupKey, trial_days: 3, ...urls })).status, 201);
  t.deepEqual(subsetOf(first.sessions[0], 'subscription_data[trial'), {
    'subscription_data[trial_period_days]': '21',
    'subscription_data[trial_settings][end_behavior][missing_payment_method]': 'pause',
  }, 'pause is the default end behaviour');
  t.is(second.sessions[0]?.['subscription_data[trial_period_days]'], '3');
  t.false('payment_method_collection' in (second.sessions[0] ?? {}), 'Stripe\'s default (always) unless asked');
});

test('CHECKOUT_AUTOMATIC_TAX turns on Stripe Tax, tax id collection and a required billing address', async (t) => {
  const services = await setup(t, { CHECKOUT_AUTOMATIC_TAX: 'true' });
  const { userId, sessions } = await linkedUser(services);
  const price = unique('price');
  nock(stripeApi).get(`/v1/prices/${price}`).reply(200, recurringPrice(price));

  t.is((await services.post({ user_id: userId, price, ...urls })).status, 201);
  t.like(sessions[0], {
    'automatic_tax[enabled]': 'true',
    'tax_id_collection[enabled]': 'true',
    billing_address_collection: 'required',
    'customer_update[address]': 'auto',
    'customer_update[name]': 'auto',
  });
});

test('without CHECKOUT_AUTOMATIC_TAX no tax field reaches Stripe', async (t) => {
  const services = await setup(t);
  const { userId, sessions } = await linkedUser(services);
  const price = unique('price');
  nock(stripeApi).get(`/v1/prices/${price}`).reply(200, recurringPrice(price));

  t.is((await services.post({ user_id: userId, price, ...urls })).status, 201);
  t.deepEqual(Object.keys(sessions[0] ?? {}).filter((key) => /tax|billing_address|customer_update/.test(key)), []);
});

test('a currency the price offers through currency_options is sent to Stripe, in lower case', async (t) => {
  const services = await setup(t);
  const { userId, sessions } = await linkedUser(services);
  const price = unique('price');
  const queries: string[] = [];
  nock(stripeApi).get(`/v1/prices/${price}`).query(true).reply((req: Request) => {
    queries.push(decodeURIComponent(new URL(req.url).search));
    return [200, recurringPrice(price, { currency_options: { usd: { unit_amount: 1500 }, eur: { unit_amount: 1400 } } })];
  });

  t.is((await services.post({ user_id: userId, price, currency: 'EUR', ...urls })).status, 201);
  t.deepEqual(queries, ['?expand[0]=currency_options'], 'the price\'s other currencies are asked for');
  t.is(sessions[0]?.currency, 'eur');
});

test('a currency the plan does not offer is a 400 naming it and what the plan offers; nothing is created', async (t) => {
  const services = await setup(t);
  const { userId, sessions } = await linkedUser(services);
  const price = unique('price');
  nock(stripeApi).get(`/v1/prices/${price}`).query(true).reply(200, recurringPrice(price, { currency_options: { usd: { unit_amount: 1500 }, gbp: { unit_amount: 1200 } } }));

  const response = await services.post({ user_id: userId, price, currency: 'jpy', ...urls });
  t.is(response.status, 400);
  t.deepEqual(await response.json(), { error: {
    type: 'invalid_request', code: 'unsupported_currency', param: 'currency',
    message: `currency jpy is not offered by price ${price} (it offers usd, gbp)`,
  } });
  t.is(sessions.length, 0);
});

test('bad trial, collection and currency fields are 400s naming each field', async (t) => {
  const services = await setup(t);
  const response = await services.post({ user_id: unique('user'), price: 'price_x', payment_method_collection: 'never', currency: 'euro', ...urls });
  t.is(response.status, 400);
  const body = (await response.json()) as { error: { code: string; fields: { field: string }[] } };
  t.is(body.error.code, 'invalid_request_body');
  t.deepEqual(body.error.fields.map((field) => field.field).sort(), ['currency', 'payment_method_collection']);
});
