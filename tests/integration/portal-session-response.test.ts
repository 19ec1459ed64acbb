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
const returnUrl = 'https://app.example/account';

async function setup(t: ExecutionContext) {
  const services = await startServices(t);
  const db = services.api.context.db;
  const { key } = await createKey(db, { name: 'portal', scope: 'write' });
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${services.url}/v1/portal/sessions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const userId = unique('user');
  const customer = `cus_${randomBytes(6).toString('hex')}`;
  await db('customers').insert({ user_id: userId, stripe_customer_id: customer });
  return { ...services, db, post, userId, customer };
}

function portalCreate(customer: string, calls: { idempotencyKey: string | null; form: Form }[], times = 1) {
  return nock(stripeApi).post('/v1/billing_portal/sessions', (body: Form) => body.customer === customer).times(times).reply(async (req: Request) => {
    calls.push({ idempotencyKey: req.headers.get('idempotency-key'), form: Object.fromEntries(new URLSearchParams(await req.text())) });
    return [200, { id: unique('bps'), object: 'billing_portal.session', customer, url: `https://billing.stripe.com/p/session/${customer}` }];
  });
}

test('a portal session by user id or by customer id answers 201 {url}', async (t) => {
  const { post, userId, customer } = await setup(t);
  const calls: { idempotencyKey: string | null; form: Form }[] = [];
  portalCreate(customer, calls, 4);

  const byUser = await post({ user_id: userId, return_url: returnUrl });
  t.is(byUser.status, 201);
  t.deepEqual(await byUser.json(), { url: `https://billing.stripe.com/p/session/${customer}` });
  const byCustomer = await post({ customer, return_url: returnUrl });
  t.is(byCustomer.status, 201);

  t.deepEqual(calls.map((call) => call.form), [{ customer, return_url: returnUrl }, { customer, return_url: returnUrl }]);
  t.true(calls.every((call) => /^portal-session:[\w-]{20,}$/.test(call.idempotencyKey ?? '')), 'every create carries an idempotency key');
  t.not(calls[0]?.idempotencyKey, calls[1]?.idempotencyKey);

  await post({ user_id: userId, return_url: returnUrl }, { 'idempotency-key': 'open-1' });
  await post({ user_id: userId, return_url: returnUrl }, { 'idempotency-key': 'open-1' });
  t.is(calls[2]?.idempotencyKey, calls[3]?.idempotencyKey);
});

test('an unknown or deleted customer is a 404 customer_not_found', async (t) => {
  const { post, db } = await setup(t);
  const missingUser = await post({ user_id: 'nobody', return_url: returnUrl });
  t.is(missingUser.status, 404);
  t.deepEqual(await missingUser.json(), { error: { type: 'not_found', code: 'customer_not_found', message: 'user nobody has no billing customer here; start a checkout first' } });
  const missingCustomer = await post({ customer: 'cus_unknown', return_url: returnUrl });
  t.is(missingCustomer.status, 404);
  t.like(await missingCustomer.json(), { error: { code: 'customer_not_found' } });
  await db('customers').insert({ user_id: 'gone', stripe_customer_id: 'cus_gone', deleted: true });
  t.is((await post({ user_id: 'gone', return_url: returnUrl })).status, 404);
});

test('bad portal bodies are 400s naming the field; keys: none → 401, read → 403', async (t) => {
  const { post, db, url, userId } = await setup(t);
  const cases: [unknown, string][] = [
    [{ customer: 'acct_123', return_url: returnUrl }, 'customer'],
    [{ user_id: userId, customer: 'cus_123', return_url: returnUrl }, 'user_id'],
    [{ return_url: returnUrl }, 'user_id'],
    [{ user_id: userId, return_url: 'app.example/account' }, 'return_url'],
    [{ user_id: userId }, 'return_url'],
  ];
  for (const [body, field] of cases) {
    const response = await post(body);
    t.is(response.status, 400, JSON.stringify(body));
    t.like(await response.json(), { error: { code: 'invalid_request_body', param: field } });
  }
  // Body-less: a request refused before its body is read keeps its keep-alive socket busy, which slows the api's stop.
  const anonymous = await fetch(`${url}/v1/portal/sessions`, { method: 'POST' });
  t.is(anonymous.status, 401);
  t.like(await anonymous.json(), { error: { code: 'unauthorized' } });
  const { key } = await createKey(db, { name: 'reader', scope: 'read' });
  const read = await fetch(`${url}/v1/portal/sessions`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
  t.is(read.status, 403);
  t.like(await read.json(), { error: { code: 'forbidden' } });
});

test('portal Stripe errors map like checkout\'s: 400 invalid request, 429 with Retry-After, 502 for outages', async (t) => {
  const { post, customer, userId } = await setup(t);
  const scope = nock(stripeApi).post('/v1/billing_portal/sessions', (body: Form) => body.customer === customer);
  scope.reply(400, { error: { type: 'invalid_request_error', message: 'You can\'t create a portal session in test mode until you save your customer portal settings.' } });
  const invalid = await post({ user_id: userId, return_url: returnUrl });
  t.is(invalid.status, 400);
  t.like(await invalid.json(), { error: { code: 'stripe_invalid_request', message: 'You can\'t create a portal session in test mode until you save your customer portal settings.' } });

  nock(stripeApi).post('/v1/billing_portal/sessions', (body: Form) => body.customer === customer).reply(429, { error: { type: 'invalid_request_error', code: 'rate_limit', message: 'slow' } }, { 'Retry-After': '3' });
  const limited = await post({ user_id: userId, return_url: returnUrl });
  t.is(limited.status, 429);
  t.is(limited.headers.get('retry-after'), '3');

  // An outage outlasts the api's retries of the call (one try and three retries under the test configuration).
  const outage = nock(stripeApi).post('/v1/billing_portal/sessions', (body: Form) => body.customer === customer).times(4).reply(502, { error: { type: 'api_error', message: 'bad gateway' } });
  const down = await post({ user_id: userId, return_url: returnUrl });
  t.is(down.status, 502);
  t.like(await down.json(), { error: { code: 'stripe_unavailable' } });
  t.true(outage.isDone(), 'every retry was tried');
});
