import { randomBytes } from 'node:crypto';
import test from 'ava';
import { start as startApi } from '../../api/main.js';
import type { Context } from '../../shared/context.js';
import { recomputeCustomer } from '../../shared/entitlements/recompute-customer.js';
import { balanceKeys } from '../../shared/usage/usage-keys.js';
import { testConfig } from '../support/config.js';
import { createTestDatabase } from '../support/database.js';
import { eventually } from '../support/processes.js';
import { startServices } from '../support/services.js';
import { tcpProxy } from '../support/tcp-proxy.js';
import { adminKey, call, seedCustomer } from './admin-fixtures.js';
import { consumeCall, key, meteredCustomer, usageEnv, type BalanceBody } from './usage-fixtures.js';

const DAY = 86_400_000;

/** A subscription on `lookupKey` whose item's current period began `startedDaysAgo` days ago. */
async function subscribe(context: Context, customerId: string, lookupKey: string, startedDaysAgo: number) {
  const id = `sub_${randomBytes(5).toString('hex')}`;
  const item = `si_${randomBytes(5).toString('hex')}`;
  const start = new Date(Math.floor((Date.now() - startedDaysAgo * DAY) / 1000) * 1000);
  await context.db('subscriptions').insert({ id, customer_id: customerId, stripe_customer_id: 'cus_x', status: 'active', synced_at: new Date() });
  await context.db('subscription_items').insert({ id: item, subscription_id: id, price_id: 'price_m', product_id: 'prod_m', lookup_key: lookupKey, current_period_start: start, current_period_end: new Date(start.getTime() + 30 * DAY) });
  await recomputeCustomer(context, customerId, { actor: 'test' });
  return { item, start };
}

test('a renewal resets a billing-period balance with no job, carrying at most rollover.max; a plan change moves the allowance at once', async (t) => {
  const services = await startServices(t, { env: usageEnv() });
  const { url } = services;
  const context = services.api.context;
  const customer = await seedCustomer(context.db);
  const writer = (await adminKey(context.db, { scope: 'write' })).key;
  const { item, start } = await subscribe(context, customer.id, 'metered_monthly', 10);
  const first = await consumeCall(url, writer, customer.stripeId, { feature: 'tokens', amount: 40, idempotency_key: key() });
  t.like(first.body, { allowed: true, balance: { granted: 100, used: 40, remaining: 60, rollover: 0, period_start: start.toISOString() } });

  // The renewal as the sync writes it: a new current period on the item, then the recompute every
  // sync ends with (which invalidates the customer's cached view, and the period read beside it).
  // The next request counts in the new period.
  const renewed = { start: new Date(Date.now() - DAY), end: new Date(Date.now() + 29 * DAY) };
  await context.db('subscription_items').where({ id: item }).update({ current_period_start: renewed.start, current_period_end: renewed.end });
  await recomputeCustomer(context, customer.id, { actor: 'test' });
  const after = await consumeCall(url, writer, customer.stripeId, { feature: 'tokens', amount: 1, idempotency_key: key() });
  t.like(after.body, { allowed: true, balance: { used: 1, granted: 100, remaining: 99, period_start: renewed.start.toISOString() } });

  // Rollover: a previous period that ended where this one starts left 100 - 40 unused; at most 30 carry.
  await context.db('usage_ledger').insert({
    customer_id: customer.id, feature: 'tokens', kind: 'consume', amount: 40, idempotency_key: 'previous-period', request_hash: 'x',
    occurred_at: new Date(renewed.start.getTime() - DAY), period_start: new Date(renewed.start.getTime() - 30 * DAY), period_end: renewed.start,
  });
  await services.api.context.redis.del(...Object.values(balanceKeys(services.config.REDIS_PREFIX, customer.id, 'tokens')));
  const carried = await consumeCall(url, writer, customer.stripeId, { feature: 'tokens', amount: 1, idempotency_key: key() });
  t.like(carried.body, { allowed: true, balance: { used: 2, rollover: 30, granted: 130, remaining: 128 } });

  // A plan change: the entitlement moves to 1000 and the balance follows on the next request.
  await context.db('subscription_items').where({ id: item }).update({ lookup_key: 'metered_big' });
  await recomputeCustomer(context, customer.id, { actor: 'test' });
  await eventually(async () => (await consumeCall(url, writer, customer.stripeId, { feature: 'tokens', amount: 1, idempotency_key: key() })).body.balance.granted === 1030, 5000);
});

test('Postgres down: consumption answers 503 and counts nothing; afterwards the balance holds only what was acknowledged', async (t) => {
  const database = await createTestDatabase();
  t.teardown(database.drop);
  const proxy = await tcpProxy(Number(new URL(database.url).port));
  t.teardown(proxy.close);
  const proxied = new URL(database.url);
  proxied.port = String(proxy.port);
  const api = await startApi(testConfig(proxied.toString(), usageEnv()), { silentLogs: true });
  t.teardown(() => api.stop());
  const url = `http://127.0.0.1:${api.port}`;
  const { customer, writer, reader } = await meteredCustomer({ api, url, config: api.context.config }, { api_calls: 50 });
  t.is((await consumeCall(url, writer, customer.stripeId, { feature: 'api_calls', amount: 5, idempotency_key: key() })).status, 200);
  // Warm: customer, key and allowance are cached in memory, so the request reaches the ledger write.
  await proxy.stop();
  const refused = await Promise.all(Array.from({ length: 4 }, (_, i) => consumeCall(url, writer, customer.stripeId, { feature: 'api_calls', amount: 5, idempotency_key: `down-${i}` })));
  t.deepEqual(refused.map((answer) => answer.status), [503, 503, 503, 503]);
  const hold = await call(url, `/v1/customers/${customer.stripeId}/reservations`, { method: 'POST', key: writer, body: { feature: 'api_calls', amount: 5, ttl_seconds: 60, idempotency_key: 'hold-down' } });
  t.is(hold.status, 503);
  t.like(hold.body, { error: { code: 'ledger_unavailable' } });
  await proxy.start();
  await eventually(async () => (await call<BalanceBody>(url, `/v1/customers/${customer.stripeId}/balances/api_calls`, { key: reader })).status === 200);
  t.like((await call<BalanceBody>(url, `/v1/customers/${customer.stripeId}/balances/api_calls`, { key: reader })).body, { used: 5, remaining: 45 });
  const retried = await consumeCall(url, writer, customer.stripeId, { feature: 'api_calls', amount: 5, idempotency_key: 'down-0' });
  t.is(retried.status, 200, 'the same key succeeds once Postgres is back');
  t.is(retried.headers.get('idempotent-replayed'), null);
  t.is(Number((await api.context.db('usage_ledger').where({ customer_id: customer.id }).sum<{ sum: string }[]>('amount as sum'))[0]?.sum), 10);
});

test('admin adjustments credit and debit the current period, audited and idempotent; the ledger pages newest first', async (t) => {
  const services = await startServices(t, { env: usageEnv() });
  const { url } = services;
  const { db } = services.api.context;
  const admin = await adminKey(db);
  const { customer, writer } = await meteredCustomer(services, { api_calls: 10 });
  t.like((await consumeCall(url, writer, customer.stripeId, { feature: 'api_calls', amount: 10, idempotency_key: key() })).body, { balance: { remaining: 0 } });
  const credit = await call<{ entry: { id: string }; balance: BalanceBody }>(url, '/admin/balances/adjust', {
    method: 'POST', key: admin.key, headers: { 'x-request-id': 'req-adjust-1' },
    body: { customer: customer.stripeId, feature: 'api_calls', amount: 15, reason: 'support credit', idempotency_key: 'adj-1' },
  });
  t.is(credit.status, 200);
  t.like(credit.body.balance, { granted: 25, used: 10, remaining: 15 });
  const replay = await call(url, '/admin/balances/adjust', { method: 'POST', key: admin.key, body: { customer: customer.stripeId, feature: 'api_calls', amount: 15, reason: 'support credit', idempotency_key: 'adj-1' } });
  t.is(replay.headers.get('idempotent-replayed'), 'true');
  t.is((await call(url, '/admin/balances/adjust', { method: 'POST', key: admin.key, body: { customer: customer.stripeId, feature: 'api_calls', amount: 16, reason: 'x', idempotency_key: 'adj-1' } })).status, 422);
  t.like((await call<{ balance: BalanceBody }>(url, '/admin/balances/adjust', { method: 'POST', key: admin.key, body: { customer: customer.userId, feature: 'api_calls', amount: -5, reason: 'abuse' } })).body.balance, { used: 15, remaining: 10 });
  t.like(await db('audit_log').where({ action: 'balance.adjusted', request_id: 'req-adjust-1' }).first(), { actor: `key:${admin.id}`, customer_id: customer.id, reason: 'support credit' });
  t.like((await consumeCall(url, writer, customer.stripeId, { feature: 'api_calls', amount: 10, idempotency_key: key() })).body, { allowed: true, balance: { remaining: 0 } });

  const firstPage = await call<{ data: { kind: string; amount: number }[]; next_cursor: string | null }>(url, `/admin/customers/${customer.stripeId}/ledger?limit=2`, { key: admin.key });
  t.deepEqual(firstPage.body.data.map((row) => [row.kind, row.amount]), [['consume', 10], ['adjust', 5]]);
  const secondPage = await call<{ data: { kind: string; amount: number }[]; next_cursor: string | null }>(url, `/admin/customers/${customer.stripeId}/ledger?limit=2&feature=api_calls&cursor=${firstPage.body.next_cursor ?? ''}`, { key: admin.key });
  t.deepEqual(secondPage.body.data.map((row) => [row.kind, row.amount]), [['adjust', -15], ['consume', 10]]);
  t.is(secondPage.body.next_cursor, null);
  t.is((await call(url, `/admin/customers/${customer.stripeId}/ledger?cursor=garbage`, { key: admin.key })).status, 400);
  t.is((await call(url, '/admin/customers/cus_nobody/ledger', { key: admin.key })).status, 404);
  t.like((await call(url, '/admin/balances/adjust', { method: 'POST', key: admin.key, body: { customer: customer.stripeId, feature: 'pro', amount: 0 } })).body, { error: { code: 'invalid_request_body' } });
  t.like((await call(url, '/admin/balances/adjust', { method: 'POST', key: admin.key, body: { customer: customer.stripeId, feature: 'pro', amount: 1, reason: 'x' } })).body, { error: { code: 'feature_not_metered' } });
});
