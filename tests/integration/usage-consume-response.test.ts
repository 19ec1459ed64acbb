import test from 'ava';
import { startServices } from '../support/services.js';
import { call } from './admin-fixtures.js';
import { consumeCall, key, meteredCustomer, usageEnv, type BalanceBody, type UsageBody } from './usage-fixtures.js';

test('consumption counts down to a 402 that writes nothing; a retry replays the stored answer; another body under the key is a 422', async (t) => {
  const services = await startServices(t, { env: usageEnv() });
  const { url } = services;
  const { db } = services.api.context;
  const { customer, writer, reader } = await meteredCustomer(services, { api_calls: 10 });

  const first = await consumeCall(url, writer, customer.stripeId, { feature: 'api_calls', amount: 4, idempotency_key: 'req-1', properties: { model: 'small' } });
  t.is(first.status, 200);
  t.like(first.body, { allowed: true, balance: { feature: 'api_calls', granted: 10, used: 4, reserved: 0, remaining: 6, rollover: 0 } });
  t.is(first.headers.get('idempotent-replayed'), null);
  const start = new Date(first.body.balance.period_start);
  t.is(start.getUTCDate(), 1, 'api_calls reset monthly');
  t.is(first.body.balance.next_reset_at, first.body.balance.period_end);

  const again = await consumeCall(url, writer, customer.stripeId, { feature: 'api_calls', amount: 4, idempotency_key: 'req-1', properties: { model: 'small' } });
  t.is(again.status, 200);
  t.is(again.headers.get('idempotent-replayed'), 'true');
  t.deepEqual(again.body, first.body);
  const other = await consumeCall(url, writer, customer.stripeId, { feature: 'api_calls', amount: 5, idempotency_key: 'req-1' });
  t.is(other.status, 422);
  t.like(other.body, { error: { code: 'idempotency_conflict', param: 'idempotency_key' } });

  t.like((await consumeCall(url, writer, customer.userId, { feature: 'api_calls', amount: 6, idempotency_key: key() })).body, { allowed: true, balance: { remaining: 0 } });
  const refused = await consumeCall(url, writer, customer.stripeId, { feature: 'api_calls', amount: 1, idempotency_key: 'req-refused' });
  t.is(refused.status, 402);
  t.like(refused.body, { allowed: false, error: { code: 'insufficient_balance' }, balance: { used: 10, remaining: 0 } });
  t.is(await db('usage_ledger').where({ idempotency_key: 'req-refused' }).first(), undefined, 'a refusal writes nothing');
  const rows = await db('usage_ledger').where({ customer_id: customer.id }).orderBy('id').select('kind', 'amount', 'idempotency_key', 'properties');
  t.deepEqual(rows.map((row: { amount: string }) => Number(row.amount)), [4, 6]);
  t.deepEqual(rows[0].properties, { model: 'small' });

  const checked = await call<UsageBody>(url, `/v1/customers/${customer.stripeId}/usage/check`, { method: 'POST', key: writer, body: { feature: 'api_calls', amount: 1 } });
  t.like(checked.body, { allowed: false, balance: { remaining: 0 } });
  const balance = await call<BalanceBody>(url, `/v1/customers/${customer.stripeId}/balances/api_calls`, { key: reader });
  t.like(balance.body, { feature: 'api_calls', granted: 10, used: 10, remaining: 0 });
  const all = await call<{ data: BalanceBody[] }>(url, `/v1/customers/${customer.stripeId}/balances`, { key: reader });
  t.deepEqual(all.body.data.map((entry) => [entry.feature, entry.granted]), [['api_calls', 10], ['emails', 0], ['minutes', 0], ['tokens', 0]]);
  const entitlements = await call<{ entitlements: { feature: string }[]; balances: BalanceBody[] }>(url, `/v1/customers/${customer.stripeId}/entitlements`, { key: reader });
  t.deepEqual(entitlements.body.balances, all.body.data, 'the entitlements read carries each metered balance');
  const unchanged = await call(url, `/v1/customers/${customer.stripeId}/entitlements`, { key: reader, headers: { 'if-none-match': entitlements.headers.get('etag') ?? '' } });
  t.is(unchanged.status, 304);
  await consumeCall(url, writer, customer.stripeId, { feature: 'emails', amount: 1, idempotency_key: key() });
  const moved = await call(url, `/v1/customers/${customer.stripeId}/entitlements`, { key: reader, headers: { 'if-none-match': entitlements.headers.get('etag') ?? '' } });
  t.is(moved.status, 200, 'a balance change changes the tag');
  t.is((await call<{ balances?: unknown }>(url, '/v1/customers/cus_nobodyhere/entitlements', { key: reader })).body.balances, undefined, 'no balances for an unknown customer');
});

test('overage allow records past the allowance; cap records what is left, then refuses; check does not consume', async (t) => {
  const services = await startServices(t, { env: usageEnv() });
  const { url } = services;
  const { customer, writer } = await meteredCustomer(services, { emails: 5, minutes: 5 });
  t.like((await consumeCall(url, writer, customer.stripeId, { feature: 'emails', amount: 8, idempotency_key: key() })).body, { allowed: true, balance: { used: 8, remaining: -3 } });
  const check = await call<UsageBody>(url, `/v1/customers/${customer.stripeId}/usage/check`, { method: 'POST', key: writer, body: { feature: 'minutes', amount: 3 } });
  t.like(check.body, { allowed: true, balance: { used: 0, remaining: 5, period_end: null, next_reset_at: null } });
  t.like((await consumeCall(url, writer, customer.stripeId, { feature: 'minutes', amount: 3, idempotency_key: key() })).body, { allowed: true, balance: { used: 3, remaining: 2 } });
  t.like((await consumeCall(url, writer, customer.stripeId, { feature: 'minutes', amount: 3, idempotency_key: key() })).body, { allowed: true, balance: { used: 5, remaining: 0 } });
  t.is((await consumeCall(url, writer, customer.stripeId, { feature: 'minutes', amount: 1, idempotency_key: key() })).status, 402);
});

test('bad usage requests: 400 naming every bad field, 400 for a feature not metered, 404 for an unknown customer, 401/403 by scope', async (t) => {
  const services = await startServices(t, { env: usageEnv() });
  const { url } = services;
  const { customer, writer, reader } = await meteredCustomer(services);
  const bad = await consumeCall(url, writer, customer.stripeId, { feature: '', amount: 1.5, occurred_at: 'yesterday', extra: 1 });
  t.is(bad.status, 400);
  const fields = (bad.body as unknown as { error: { fields: { field: string }[] } }).error.fields.map((entry) => entry.field).sort();
  t.deepEqual(fields, ['amount', 'extra', 'feature', 'idempotency_key', 'occurred_at']);
  const old = await consumeCall(url, writer, customer.stripeId, { feature: 'api_calls', amount: 1, idempotency_key: key(), occurred_at: '2000-01-01T00:00:00Z' });
  t.like(old.body, { error: { code: 'invalid_request_body', param: 'occurred_at' } });
  const plain = await consumeCall(url, writer, customer.stripeId, { feature: 'pro', amount: 1, idempotency_key: key() });
  t.is(plain.status, 400);
  t.like(plain.body, { error: { code: 'feature_not_metered', param: 'feature' } });
  const unknown = await consumeCall(url, writer, 'cus_nobodyhere', { feature: 'api_calls', amount: 1, idempotency_key: key() });
  t.is(unknown.status, 404);
  t.like(unknown.body, { error: { code: 'customer_not_found' } });
  t.is((await consumeCall(url, reader, customer.stripeId, { feature: 'api_calls', amount: 1, idempotency_key: key() })).status, 403);
  t.is((await call(url, `/v1/customers/${customer.stripeId}/balances/api_calls`, { key: writer })).status, 403);
  t.is((await call(url, `/v1/customers/${customer.stripeId}/balances/bad feature`, { key: reader })).status, 400);
  t.is(await services.api.context.db('usage_ledger').count<{ count: string }[]>('* as count').then(([row]) => Number(row?.count)), 0);
});
