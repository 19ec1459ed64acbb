import { randomBytes } from 'node:crypto';
import test, { type ExecutionContext } from 'ava';
import nock from 'nock';
import { createKey } from '../../shared/api-keys.js';
import { startServices } from '../support/services.js';

// Stripe through nock only; the api and the databases stay reachable.
nock.disableNetConnect();
nock.enableNetConnect('127.0.0.1');
const stripeApi = 'https://api.stripe.com';

interface StripeCall { idempotencyKey: string | null; form: Record<string, string> }
type Form = Record<string, string>;

async function capture(req: Request): Promise<StripeCall> {
  return { idempotencyKey: req.headers.get('idempotency-key'), form: Object.fromEntries(new URLSearchParams(await req.text())) };
}

const unique = (prefix: string) => `${prefix}_${randomBytes(6).toString('hex')}`;
const recurringPrice = (id: string, extra: Record<string, unknown> = {}) => ({
  id, object: 'price', active: true, type: 'recurring', recurring: { interval: 'month', interval_count: 1 }, product: 'prod_1', currency: 'usd', unit_amount: 1500, lookup_key: null, ...extra,
});

/** Interceptors for one test, told apart from other tests' by the user id in the form body. */
function fakeStripe(userId: string) {
  const customers: StripeCall[] = [];
  const sessions: StripeCall[] = [];
  return {
    customers,
    sessions,
    price: (id: string, extra: Record<string, unknown> = {}) => nock(stripeApi).get(`/v1/prices/${id}`).reply(200, recurringPrice(id, extra)),
    customerCreate: (customerId: string) =>
      nock(stripeApi).post('/v1/customers', (body: Form) => body['metadata[user_id]'] === userId).reply(async (req: Request) => {
        const call = await capture(req);
        customers.push(call);
        return [200, { id: customerId, object: 'customer', email: call.form.email ?? null, metadata: { user_id: userId } }];
      }),
    sessionCreate: (times = 1) =>
      nock(stripeApi).post('/v1/checkout/sessions', (body: Form) => body.client_reference_id === userId).times(times).reply(async (req: Request) => {
        sessions.push(await capture(req));
        const id = unique('cs_test');
        return [200, { id, object: 'checkout.session', url: `https://checkout.stripe.com/c/pay/${id}` }];
      }),
  };
}

async function setup(t: ExecutionContext) {
  const services = await startServices(t);
  const db = services.api.context.db;
  const { key, record } = await createKey(db, { name: 'checkout', scope: 'write' });
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${services.url}/v1/checkout/sessions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { ...services, db, key, keyId: record.id, post };
}

const urls = { success_url: 'https://app.example/billing/done?session={CHECKOUT_SESSION_ID}', cancel_url: 'http://localhost:3000/billing' };

test('a new user gets a customer and a subscription session; Stripe receives exactly the fields it needs', async (t) => {
  const { post, db, keyId } = await setup(t);
  const userId = unique('user');
  const price = unique('price');
  const stripe = fakeStripe(userId);
  stripe.price(price);
  stripe.customerCreate('cus_new1');
  stripe.sessionCreate();

  const response = await post({ user_id: userId, price, quantity: 3, email: 'ada@example.com', trial_days: 14, allow_promotion_codes: true, ...urls });
  t.is(response.status, 201);
  const body = (await response.json()) as { id: string; url: string };
  t.deepEqual(Object.keys(body).sort(), ['id', 'url']);
  t.regex(body.id, /^cs_test_/);
  t.is(body.url, `https://checkout.stripe.com/c/pay/${body.id}`);

  t.deepEqual(stripe.customers.map((call) => call.form), [{ email: 'ada@example.com', 'metadata[user_id]': userId }]);
  t.is(stripe.customers[0]?.idempotencyKey, `customer-create:${userId}`);
  t.deepEqual(stripe.sessions[0]?.form, {
    mode: 'subscription',
    customer: 'cus_new1',
    client_reference_id: userId,
    'metadata[user_id]': userId,
    'line_items[0][price]': price,
    'line_items[0][quantity]': '3',
    success_url: urls.success_url,
    cancel_url: urls.cancel_url,
    allow_promotion_codes: 'true',
    'subscription_data[metadata][user_id]': userId,
    'subscription_data[trial_period_days]': '14',
    'subscription_data[trial_settings][end_behavior][missing_payment_method]': 'pause',
  });
  t.regex(stripe.sessions[0]?.idempotencyKey ?? '', /^checkout-session:[\w-]{20,}$/);

  const customer = await db('customers').where({ user_id: userId }).first();
  t.like(customer, { stripe_customer_id: 'cus_new1', email: 'ada@example.com', deleted: false });
  const audit = await db('audit_log').where({ action: 'customer.created' });
  t.is(audit.length, 1);
  t.like(audit[0], { actor: `key:${keyId}`, subject_type: 'customer', subject_id: 'cus_new1', customer_id: customer.id, request_id: response.headers.get('x-request-id') });
});

test('a lookup key resolves through Stripe and a linked user keeps the customer they have', async (t) => {
  const { post, db } = await setup(t);
  const userId = unique('user');
  const lookupKey = unique('pro_monthly');
  await db('customers').insert({ user_id: userId, stripe_customer_id: 'cus_known' });
  const stripe = fakeStripe(userId);
  const queries: string[] = [];
  nock(stripeApi).get('/v1/prices').query(true).reply((req: Request) => {
    queries.push(new URL(req.url).search);
    return [200, { object: 'list', data: [recurringPrice('price_from_key', { lookup_key: lookupKey })], has_more: false }];
  });
  stripe.sessionCreate();

  const response = await post({ user_id: userId, lookup_key: lookupKey, ...urls });
  t.is(response.status, 201);
  t.deepEqual(queries.map((query) => Object.fromEntries(new URLSearchParams(query))), [{ 'lookup_keys[0]': lookupKey, active: 'true', limit: '1' }]);
  t.is(stripe.customers.length, 0, 'no customer is created for a linked user');
  t.like(stripe.sessions[0]?.form, { customer: 'cus_known', 'line_items[0][price]': 'price_from_key', 'line_items[0][quantity]': '1' });
  t.false('allow_promotion_codes' in (stripe.sessions[0]?.form ?? {}));
  t.false('subscription_data[trial_period_days]' in (stripe.sessions[0]?.form ?? {}));
  t.is(await db('audit_log').count<{ count: string }[]>('* as count').first().then((row) => Number(row?.count)), 0);
});

test('an Idempotency-Key header makes a retry reuse the Stripe key; without it every request is new', async (t) => {
  const { post, db, url } = await setup(t);
  const userId = unique('user');
  const price = unique('price');
  await db('customers').insert({ user_id: userId, stripe_customer_id: 'cus_idem' });
  const stripe = fakeStripe(userId);
  nock(stripeApi).get(`/v1/prices/${price}`).times(5).reply(200, recurringPrice(price));
  stripe.sessionCreate(5);
  const body = { user_id: userId, price, ...urls };

  await post(body, { 'idempotency-key': 'order-42' });
  await post(body, { 'idempotency-key': 'order-42' });
  const { key: otherKey } = await createKey(db, { name: 'other client', scope: 'admin' });
  await fetch(`${url}/v1/checkout/sessions`, { method: 'POST', headers: { authorization: `Bearer ${otherKey}`, 'content-type': 'application/json', 'idempotency-key': 'order-42' }, body: JSON.stringify(body) });
  await post(body);
  await post(body);

  const keys = stripe.sessions.map((call) => call.idempotencyKey);
  t.is(keys.length, 5);
  t.true(keys.every((key) => key?.startsWith('checkout-session:')));
  t.is(keys[0], keys[1], 'the same client key from the same API key → the same Stripe key');
  t.not(keys[2], keys[0], 'another API key with the same client key → another Stripe key');
  t.not(keys[3], keys[4], 'no header → a fresh key each time');
  t.false(keys.some((key) => key?.includes('order-42')), 'the client key is hashed, not forwarded');

  const bad = await post(body, { 'idempotency-key': 'has space' });
  t.is(bad.status, 400);
  t.like(await bad.json(), { error: { code: 'invalid_idempotency_key' } });
});

test('a user already subscribed to the price gets 409 pointing at the portal; a canceled one may subscribe again', async (t) => {
  const { post, db } = await setup(t);
  const userId = unique('user');
  const price = unique('price');
  const [customer] = await db('customers').insert({ user_id: userId, stripe_customer_id: 'cus_subbed' }).returning<{ id: string }[]>('id');
  const subscription = (id: string, status: string) => ({ id, customer_id: customer?.id, stripe_customer_id: 'cus_subbed', status, synced_at: new Date() });
  await db('subscriptions').insert([subscription('sub_live', 'trialing'), subscription('sub_old', 'canceled')]);
  await db('subscription_items').insert([
    { id: 'si_live', subscription_id: 'sub_live', price_id: price, product_id: 'prod_1' },
    { id: 'si_old', subscription_id: 'sub_old', price_id: 'price_other', product_id: 'prod_1' },
  ]);
  const stripe = fakeStripe(userId);
  nock(stripeApi).get(`/v1/prices/${price}`).reply(200, recurringPrice(price));
  nock(stripeApi).get('/v1/prices/price_other').reply(200, recurringPrice('price_other'));
  stripe.sessionCreate();

  const refused = await post({ user_id: userId, price, ...urls });
  t.is(refused.status, 409);
  const error = (await refused.json()) as { error: Record<string, unknown> };
  t.like(error.error, { type: 'conflict', code: 'already_subscribed', portal: true, subscription: 'sub_live' });
  t.regex(String(error.error.message), /billing portal/);
  t.is(stripe.sessions.length, 0);

  const allowed = await post({ user_id: userId, price: 'price_other', ...urls });
  t.is(allowed.status, 201);
});

test('an unknown, inactive or one-time price is a 400 naming it, and no customer is created', async (t) => {
  const { post, db } = await setup(t);
  const userId = unique('user');
  const stripe = fakeStripe(userId);
  nock(stripeApi).get('/v1/prices/price_missing').reply(404, { error: { type: 'invalid_request_error', code: 'resource_missing', message: "No such price: 'price_missing'", param: 'id' } });
  stripe.price('price_inactive', { active: false });
  stripe.price('price_once', { type: 'one_time', recurring: null });
  nock(stripeApi).get('/v1/prices').query((query) => query['lookup_keys[0]'] === 'gone_monthly').reply(200, { object: 'list', data: [], has_more: false });

  const cases = [
    [{ price: 'price_missing' }, /price price_missing is not in the catalog/, 'price'],
    [{ price: 'price_inactive' }, /price price_inactive is not active/, 'price'],
    [{ price: 'price_once' }, /price price_once is not a recurring price/, 'price'],
    [{ lookup_key: 'gone_monthly' }, /lookup_key gone_monthly is not in the catalog/, 'lookup_key'],
  ] as const;
  for (const [ref, message, param] of cases) {
    const response = await post({ user_id: userId, ...ref, ...urls });
    t.is(response.status, 400, JSON.stringify(ref));
    const { error } = (await response.json()) as { error: { code: string; message: string; param: string } };
    t.is(error.code, 'unknown_price');
    t.is(error.param, param);
    t.regex(error.message, message);
  }
  t.is(stripe.customers.length, 0);
  t.is(await db('customers').where({ user_id: userId }).first(), undefined);
});
