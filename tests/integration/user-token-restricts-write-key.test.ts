import { randomBytes } from 'node:crypto';
import test from 'ava';
import nock from 'nock';
import { createKey } from '../../shared/api-keys.js';
import { signUserToken } from '../../shared/checkout/user-token.js';
import { startServices } from '../support/services.js';

// Stripe answers portal creation only; every refused request must be refused before Stripe.
nock.disableNetConnect();
nock.enableNetConnect('127.0.0.1');
const stripeApi = 'https://api.stripe.com';
const secret = 'user-token-secret-0123456789abcdef0123456789';
const now = () => Math.floor(Date.now() / 1000);

test('with USER_TOKEN_SECRET a write key opens portals and checkouts only for the user its X-User-Token names', async (t) => {
  const services = await startServices(t, { env: { USER_TOKEN_SECRET: secret } });
  const { db } = services.api.context;
  const { key } = await createKey(db, { name: 'app', scope: 'write' });
  const [alice, bob] = ['alice', 'bob'].map((name) => ({ user: `user_${name}_${randomBytes(3).toString('hex')}`, customer: `cus_${randomBytes(6).toString('hex')}` }));
  await db('customers').insert([alice, bob].map(({ user, customer }) => ({ user_id: user, stripe_customer_id: customer })));
  const created: string[] = [];
  nock(stripeApi).persist().post('/v1/billing_portal/sessions').reply(async (req: Request) => {
    const customer = new URLSearchParams(await req.text()).get('customer') ?? '';
    created.push(customer);
    return [200, { id: 'bps_1', object: 'billing_portal.session', customer, url: `https://billing.stripe.com/p/session/${customer}` }];
  });
  t.teardown(() => nock.cleanAll());
  const post = (path: string, body: unknown, token?: string) => fetch(`${services.url}${path}`, {
    method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(token !== undefined && { 'x-user-token': token }) }, body: JSON.stringify(body),
  });
  const code = async (response: Response) => [response.status, ((await response.json()) as { error?: { code?: string } }).error?.code];
  const portal = (customer: Record<string, string>) => ({ ...customer, return_url: 'https://app.example.com/account' });
  const aliceToken = signUserToken(secret, { sub: alice.user, exp: now() + 300 });

  t.deepEqual(await code(await post('/v1/portal/sessions', portal({ customer: bob.customer }))), [401, 'user_token_required']);
  t.deepEqual(await code(await post('/v1/portal/sessions', portal({ customer: bob.customer }), 'v1.garbage.garbage')), [401, 'user_token_required']);
  t.deepEqual(await code(await post('/v1/portal/sessions', portal({ customer: bob.customer }), signUserToken('another-secret-0123456789abcdef0123', { sub: bob.user, exp: now() + 300 }))), [401, 'user_token_required']);
  t.deepEqual(await code(await post('/v1/portal/sessions', portal({ customer: alice.customer }), signUserToken(secret, { sub: alice.user, exp: now() - 1 }))), [401, 'user_token_required'], 'expired');
  t.deepEqual(await code(await post('/v1/portal/sessions', portal({ customer: alice.customer }), signUserToken(secret, { sub: alice.user, exp: now() + 86_400 }))), [401, 'user_token_required'], 'not short-lived');
  t.deepEqual(await code(await post('/v1/portal/sessions', portal({ customer: bob.customer }), aliceToken)), [403, 'user_token_mismatch'], "Alice's token does not open Bob's portal");
  t.deepEqual(await code(await post('/v1/portal/sessions', portal({ user_id: bob.user }), aliceToken)), [403, 'user_token_mismatch']);
  const checkout = { user_id: bob.user, price: 'price_1', success_url: 'https://app.example.com/done', cancel_url: 'https://app.example.com/cancel' };
  t.deepEqual(await code(await post('/v1/checkout/sessions', checkout, aliceToken)), [403, 'user_token_mismatch'], 'nor start a checkout as Bob');
  t.deepEqual(created, [], 'no portal was opened so far');

  const own = await post('/v1/portal/sessions', portal({ customer: alice.customer }), aliceToken);
  t.is(own.status, 201);
  t.deepEqual(created, [alice.customer]);
});

test('without USER_TOKEN_SECRET nothing changes: the write key alone is enough', async (t) => {
  const services = await startServices(t);
  const { key } = await createKey(services.api.context.db, { name: 'app', scope: 'write' });
  const response = await fetch(`${services.url}/v1/portal/sessions`, {
    method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ customer: 'cus_nobodyhere', return_url: 'https://app.example.com/account' }),
  });
  t.is(response.status, 404, 'reaches the customer lookup');
});
