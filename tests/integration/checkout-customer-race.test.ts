import { randomBytes } from 'node:crypto';
import test, { type ExecutionContext } from 'ava';
import nock from 'nock';
import { createKey } from '../../shared/api-keys.js';
import { startServices } from '../support/services.js';

nock.disableNetConnect();
nock.enableNetConnect('127.0.0.1');
const stripeApi = 'https://api.stripe.com';
type Form = Record<string, string>;

const unique = (prefix: string) => `${prefix}_${randomBytes(6).toString('hex')}`;
const urls = { success_url: 'https://app.example/done', cancel_url: 'https://app.example/cancel' };

/**
 * Stripe's idempotency, as Stripe keeps it: the first request with a key creates a customer, later
 * ones with the same key get that customer back; a request arriving while the first is still
 * running gets 409 `idempotency_error` (when `inFlightConflict`), and one with other parameters
 * (another email) gets 400 `idempotency_error`.
 */
function fakeStripe(userId: string, price: string, options: { inFlightConflict?: boolean; latencyMs?: number } = {}) {
  const byKey = new Map<string, string>();
  const paramsByKey = new Map<string, string>();
  const running = new Set<string>();
  const customerKeys: (string | null)[] = [];
  const sessionCustomers: string[] = [];
  nock(stripeApi).get(`/v1/prices/${price}`).times(200)
    .reply(200, { id: price, object: 'price', active: true, type: 'recurring', recurring: { interval: 'month' }, product: 'prod_1' });
  nock(stripeApi).post('/v1/customers', (body: Form) => body['metadata[user_id]'] === userId).times(200).reply(async (req: Request) => {
    const key = req.headers.get('idempotency-key') ?? '';
    const params = await req.text();
    customerKeys.push(key);
    if (paramsByKey.has(key) && paramsByKey.get(key) !== params) {
      return [400, { error: { type: 'idempotency_error', message: 'Keys for idempotent requests can only be used with the same parameters they were first used with.' } }];
    }
    if (options.inFlightConflict && running.has(key)) {
      return [409, { error: { type: 'idempotency_error', code: 'idempotency_key_in_use', message: 'There is currently another in-progress request using this Idempotent Key.' } }];
    }
    running.add(key);
    paramsByKey.set(key, params);
    await new Promise((resolve) => setTimeout(resolve, options.latencyMs ?? 30));
    running.delete(key);
    const id = byKey.get(key) ?? unique('cus');
    byKey.set(key, id);
    return [200, { id, object: 'customer', email: null, metadata: { user_id: userId } }];
  });
  nock(stripeApi).post('/v1/checkout/sessions', (body: Form) => body.client_reference_id === userId).times(200).reply(async (req: Request) => {
    sessionCustomers.push(new URLSearchParams(await req.text()).get('customer') ?? '');
    const id = unique('cs_test');
    return [200, { id, object: 'checkout.session', url: `https://checkout.stripe.com/c/pay/${id}` }];
  });
  return { byKey, customerKeys, sessionCustomers };
}

async function setup(t: ExecutionContext) {
  const services = await startServices(t);
  const db = services.api.context.db;
  const { key } = await createKey(db, { name: 'checkout', scope: 'write' });
  const post = (body: unknown) =>
    fetch(`${services.url}/v1/checkout/sessions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { db, post };
}

async function assertOneCustomer(t: ExecutionContext, db: Awaited<ReturnType<typeof setup>>['db'], userId: string, sessionCustomers: string[]) {
  const rows = await db('customers').where({ user_id: userId });
  t.is(rows.length, 1, 'exactly one local customer');
  t.true(sessionCustomers.length > 0);
  t.true(sessionCustomers.every((customer) => customer === rows[0].stripe_customer_id), 'every session names that customer');
  const audits = await db('audit_log').where({ action: 'customer.created', subject_id: rows[0].stripe_customer_id });
  t.is(audits.length, 1, 'the creation is audited once');
}

test('two parallel checkouts for a new user share one customer', async (t) => {
  const { db, post } = await setup(t);
  const userId = unique('user');
  const price = unique('price');
  const stripe = fakeStripe(userId, price);

  const responses = await Promise.all([post({ user_id: userId, price, ...urls }), post({ user_id: userId, price, ...urls })]);
  t.deepEqual(responses.map((response) => response.status), [201, 201]);
  t.is(stripe.byKey.size, 1, 'Stripe saw one idempotency key, so one customer');
  t.true(stripe.customerKeys.every((key) => key === `customer-create:${userId}`));
  t.is(stripe.sessionCustomers.length, 2);
  await assertOneCustomer(t, db, userId, stripe.sessionCustomers);
});

test('ten parallel checkouts with different emails, racing into in-flight idempotency conflicts, still share one customer', async (t) => {
  const { db, post } = await setup(t);
  const userId = unique('user');
  const price = unique('price');
  const stripe = fakeStripe(userId, price, { inFlightConflict: true, latencyMs: 150 });

  const responses = await Promise.all(Array.from({ length: 10 }, (_, index) => post({ user_id: userId, price, email: `u${index}@example.com`, ...urls })));
  t.deepEqual(responses.map((response) => response.status), Array.from({ length: 10 }, () => 201));
  t.true(stripe.customerKeys.length > 1, 'some racers met the key in flight and retried');
  t.is(stripe.byKey.size, 1);
  t.is(stripe.sessionCustomers.length, 10);
  await assertOneCustomer(t, db, userId, stripe.sessionCustomers);
});

test('a row the webhook pipeline wrote first, or a grant-only row, is linked instead of duplicated', async (t) => {
  const { db, post } = await setup(t);
  const pipelineUser = unique('user');
  const grantUser = unique('user');
  const price = unique('price');
  const pipeline = fakeStripe(pipelineUser, price);
  const grant = fakeStripe(grantUser, price);
  // The pipeline mirrored the customer Stripe will hand back (same idempotency key) before it knew the user.
  pipeline.byKey.set(`customer-create:${pipelineUser}`, 'cus_mirrored');
  await db('customers').insert({ stripe_customer_id: 'cus_mirrored' });
  await db('customers').insert({ user_id: grantUser });

  t.is((await post({ user_id: pipelineUser, price, ...urls })).status, 201);
  t.is((await post({ user_id: grantUser, price, ...urls })).status, 201);

  t.deepEqual(await db('customers').where({ stripe_customer_id: 'cus_mirrored' }).pluck('user_id'), [pipelineUser]);
  await assertOneCustomer(t, db, pipelineUser, pipeline.sessionCustomers);
  await assertOneCustomer(t, db, grantUser, grant.sessionCustomers);
  t.is(await db('customers').count<{ count: string }[]>('* as count').first().then((row) => Number(row?.count)), 2);
});
