import test from 'ava';
import { start as startApi } from '../../api/main.js';
import type { Db } from '../../shared/infra/db.js';
import { balanceKeys } from '../../shared/usage/usage-keys.js';
import { startServices } from '../support/services.js';
import { call } from './admin-fixtures.js';
import { consumeCall, key, meteredCustomer, usageEnv, type BalanceBody } from './usage-fixtures.js';

const ledgerSum = async (db: Db, customerId: string) =>
  Number((await db('usage_ledger').where({ customer_id: customerId }).sum<{ sum: string | null }[]>('amount as sum'))[0]?.sum ?? 0);

test('N concurrent consumes of a against B admit exactly min(N, floor(B/a)), across two api processes', async (t) => {
  const services = await startServices(t, { env: usageEnv() });
  const second = await startApi(services.config, { silentLogs: true });
  t.teardown(() => second.stop());
  const urls = [services.url, `http://127.0.0.1:${second.port}`];
  const { db } = services.api.context;
  for (const [budget, amount, n] of [[25, 3, 20], [100, 7, 10], [10, 10, 6]] as const) {
    const { customer, writer, reader } = await meteredCustomer(services, { api_calls: budget });
    const answers = await Promise.all(Array.from({ length: n }, (_, i) => consumeCall(urls[i % 2] ?? services.url, writer, customer.stripeId, { feature: 'api_calls', amount, idempotency_key: key() })));
    const admitted = answers.filter((answer) => answer.status === 200).length;
    t.is(admitted, Math.min(n, Math.floor(budget / amount)), `B=${budget} a=${amount} N=${n}`);
    t.is(answers.filter((answer) => answer.status === 402).length, n - admitted);
    t.is(await ledgerSum(db, customer.id), admitted * amount, 'the ledger holds exactly what was acknowledged');
    t.like((await call<BalanceBody>(urls[1] ?? '', `/v1/customers/${customer.stripeId}/balances/api_calls`, { key: reader })).body, { used: admitted * amount });
  }
});

test('reservations count against the balance until released; a partial commit returns the rest', async (t) => {
  const services = await startServices(t, { env: usageEnv() });
  const { url } = services;
  const { customer, writer } = await meteredCustomer(services, { api_calls: 25 });
  const held = await call<{ id: string; amount: number; status: string; expires_at: string }>(url, `/v1/customers/${customer.stripeId}/reservations`, { method: 'POST', key: writer, body: { feature: 'api_calls', amount: 20, ttl_seconds: 600, idempotency_key: 'hold-1' } });
  t.is(held.status, 201);
  t.like(held.body, { amount: 20, status: 'held', balance: { reserved: 20, remaining: 5 } });
  const answers = await Promise.all(Array.from({ length: 5 }, () => consumeCall(url, writer, customer.stripeId, { feature: 'api_calls', amount: 3, idempotency_key: key() })));
  t.is(answers.filter((answer) => answer.status === 200).length, 1, 'only 5 are left beside the hold');
  const tooMuch = await call(url, `/v1/customers/${customer.stripeId}/reservations`, { method: 'POST', key: writer, body: { feature: 'api_calls', amount: 3, ttl_seconds: 60, idempotency_key: 'hold-2' } });
  t.is(tooMuch.status, 402);

  const over = await call(url, `/v1/reservations/${held.body.id}/commit`, { method: 'POST', key: writer, body: { amount: 21 } });
  t.is(over.status, 400);
  const committed = await call(url, `/v1/reservations/${held.body.id}/commit`, { method: 'POST', key: writer, body: { amount: 12 } });
  t.is(committed.status, 200);
  t.like(committed.body, { status: 'committed', committed: 12, balance: { used: 15, reserved: 0, remaining: 10 } });
  t.like((await call(url, `/v1/reservations/${held.body.id}/release`, { method: 'POST', key: writer })).body, { error: { code: 'reservation_committed' } });
  t.is((await call(url, '/v1/reservations/7d4f5e52-0000-4000-8000-000000000000/release', { method: 'POST', key: writer })).status, 404);
  t.is((await call(url, '/v1/reservations/not-an-id/release', { method: 'POST', key: writer })).status, 404);

  const replay = await call(url, `/v1/customers/${customer.stripeId}/reservations`, { method: 'POST', key: writer, body: { feature: 'api_calls', amount: 20, ttl_seconds: 600, idempotency_key: 'hold-1' } });
  t.is(replay.headers.get('idempotent-replayed'), 'true');
  t.like(replay.body, { id: held.body.id, status: 'committed' });

  const second = await call<{ id: string }>(url, `/v1/customers/${customer.stripeId}/reservations`, { method: 'POST', key: writer, body: { feature: 'api_calls', amount: 10, ttl_seconds: 600, idempotency_key: 'hold-3' } });
  t.like((await call(url, `/v1/reservations/${second.body.id}/release`, { method: 'POST', key: writer })).body, { status: 'released', committed: 0, balance: { used: 15, reserved: 0, remaining: 10 } });

  const brief = await call<{ id: string }>(url, `/v1/customers/${customer.stripeId}/reservations`, { method: 'POST', key: writer, body: { feature: 'api_calls', amount: 10, ttl_seconds: 1, idempotency_key: 'hold-4' } });
  t.is(brief.status, 201);
  await new Promise((resolve) => setTimeout(resolve, 1100));
  t.like((await consumeCall(url, writer, customer.stripeId, { feature: 'api_calls', amount: 10, idempotency_key: key() })).body, { allowed: true, balance: { used: 25, reserved: 0 } }, 'an expired hold returned by itself');
  t.like((await call(url, `/v1/reservations/${brief.body.id}/commit`, { method: 'POST', key: writer, body: { amount: 1 } })).body, { error: { code: 'reservation_expired' } });
});

test('every request retried 1-3 times concurrently, and again after a restart, yields one ledger row', async (t) => {
  const services = await startServices(t, { env: usageEnv() });
  const { db } = services.api.context;
  const { customer, writer } = await meteredCustomer(services, { api_calls: 1000 });
  const keys = Array.from({ length: 30 }, () => key());
  const sends = keys.flatMap((k, i) => Array.from({ length: 1 + (i % 3) }, () => consumeCall(services.url, writer, customer.stripeId, { feature: 'api_calls', amount: 2, idempotency_key: k })));
  const answers = await Promise.all(sends);
  t.true(answers.every((answer) => answer.status === 200), JSON.stringify(answers.find((answer) => answer.status !== 200)?.body));
  t.is(answers.filter((answer) => answer.headers.get('idempotent-replayed') === 'true').length, sends.length - keys.length);
  t.is(await db('usage_ledger').where({ customer_id: customer.id }).count<{ count: string }[]>('* as count').then(([row]) => Number(row?.count)), keys.length);

  // A restart with Redis emptied too: the markers are gone, the ledger's unique key still holds.
  await services.api.stop();
  const { state, holds } = balanceKeys(services.config.REDIS_PREFIX, customer.id, 'api_calls');
  const restarted = await startApi(services.config, { silentLogs: true });
  t.teardown(() => restarted.stop());
  const markers = await restarted.context.redis.keys(`${services.config.REDIS_PREFIX.replaceAll(/[{}]/g, '')}:usage:*`);
  if (markers.length > 0) await restarted.context.redis.del(...markers, state, holds);
  const url = `http://127.0.0.1:${restarted.port}`;
  const again = await Promise.all(keys.map((k) => consumeCall(url, writer, customer.stripeId, { feature: 'api_calls', amount: 2, idempotency_key: k })));
  t.true(again.every((answer) => answer.status === 200 && answer.headers.get('idempotent-replayed') === 'true'));
  t.is(await ledgerSum(restarted.context.db, customer.id), keys.length * 2);
  t.like((await consumeCall(url, writer, customer.stripeId, { feature: 'api_calls', amount: 1, idempotency_key: key() })).body, { balance: { used: keys.length * 2 + 1 } }, 'the rebuilt balance counts each key once');
});

test('Redis emptied mid-load: what was acknowledged is in the ledger, and the rebuilt balance equals it', async (t) => {
  const services = await startServices(t, { env: usageEnv() });
  const { db, redis, config } = services.api.context;
  const { customer, writer, reader } = await meteredCustomer(services, { api_calls: 100_000 });
  const { state, holds } = balanceKeys(config.REDIS_PREFIX, customer.id, 'api_calls');
  const load = Array.from({ length: 60 }, async (_, i) => {
    if (i === 30) await redis.del(state, holds);
    return consumeCall(services.url, writer, customer.stripeId, { feature: 'api_calls', amount: 5, idempotency_key: key() });
  });
  const answers = await Promise.all(load);
  const acknowledged = answers.filter((answer) => answer.status === 200).length * 5;
  t.is(acknowledged, 300);
  t.is(await ledgerSum(db, customer.id), acknowledged, 'nothing acknowledged was lost');
  await redis.del(state, holds);
  t.like((await call<BalanceBody>(services.url, `/v1/customers/${customer.stripeId}/balances/api_calls`, { key: reader })).body, { used: acknowledged, remaining: 100_000 - acknowledged });
});
