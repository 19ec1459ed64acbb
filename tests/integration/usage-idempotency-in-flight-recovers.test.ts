import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { ReplyError } from 'ioredis';
import { EntitlementCache } from '../../shared/entitlements/cache.js';
import { AppError } from '../../shared/errors.js';
import type { Redis } from '../../shared/infra/redis.js';
import { balanceDrift } from '../../shared/usage/balance-drift.js';
import { BalanceStore } from '../../shared/usage/balance-store.js';
import { consume, readBalance } from '../../shared/usage/consume.js';
import { LedgerWriter, type LedgerRow } from '../../shared/usage/ledger-writer.js';
import { rebuildBalance } from '../../shared/usage/rebuild-balance.js';
import { requestHash } from '../../shared/usage/usage-requests.js';
import { resolveTarget, type UsageDeps } from '../../shared/usage/usage-target.js';
import { startServices, type TestServices } from '../support/services.js';
import { key, meteredCustomer, usageEnv } from './usage-fixtures.js';

const inFlightTtlMs = 600;

/** Usage operations as the api runs them, with an in-flight marker TTL short enough to wait out in a test. */
function usageDeps(services: TestServices, writer?: LedgerWriter, redis = services.api.context.balances): UsageDeps {
  const { context } = services.api;
  return { context, cache: new EntitlementCache(context), store: new BalanceStore(redis, context.config.REDIS_PREFIX, { inFlightTtlMs }), writer: writer ?? new LedgerWriter(context.db) };
}

/**
 * A connection whose first balance call loses its answer, as in a failover: Redis runs it (`ran`)
 * or not yet, and the caller gets the error ioredis gives. `sent` keeps the call to send it late.
 */
function losingFirstAnswer(redis: Redis, ran: boolean, failure: Error = new Error('Connection is closed.')): { redis: Redis; sent: unknown[] } {
  const lost = { sent: [] as unknown[], redis };
  lost.redis = new Proxy(redis, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (property !== 'evalsha' || lost.sent.length > 0) return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      return async (...args: Parameters<Redis['evalsha']>) => {
        lost.sent = args;
        if (ran) await target.evalsha(...args);
        throw failure;
      };
    },
  });
  return lost;
}

async function ledgerRows(services: TestServices, customerId: string, idempotencyKey: string): Promise<number> {
  const row = await services.api.context.db('usage_ledger').where({ customer_id: customerId, idempotency_key: idempotencyKey }).count<{ count: string }[]>({ count: '*' }).first();
  return Number(row?.count ?? 0);
}

test('a key whose request died after admission is admitted again once its marker lapses, not refused for minutes, and written once', async (t) => {
  const services = await startServices(t, { env: usageEnv() });
  const { customer } = await meteredCustomer(services, { api_calls: 100 });
  const deps = usageDeps(services);
  const idempotencyKey = key();
  const request = { feature: 'api_calls', amount: 3, idempotency_key: idempotencyKey };
  // The dead request: admitted in Redis (its marker set), then its process died before the ledger write.
  const now = new Date();
  const target = await resolveTarget(deps, customer.stripeId, 'api_calls', now);
  await rebuildBalance(deps, target, now);
  const admitted = await deps.store.admit(target.slot, {
    mode: 'admit', allowance: 100, amount: 3, overage: 'reject', idempotencyKey, now,
    requestHash: requestHash('consume', { feature: 'api_calls', amount: 3, occurred_at: undefined, properties: undefined }),
  });
  t.is(admitted.status, 'ok');

  const started = Date.now();
  const retry = await consume(deps, customer.stripeId, request);
  t.true(Date.now() - started < 5000, 'answered within the in-flight wait, not after a 409 and minutes');
  t.is(retry.status, 200);
  t.false(retry.replayed);
  t.is(await ledgerRows(services, customer.id, idempotencyKey), 1);
  // The dead request's admission is still counted in Redis: the drift reconciliation rebuilds away.
  const drift = await balanceDrift(deps, { customerId: customer.id });
  t.like(drift.drifted[0], { feature: 'api_calls', ledger: { used: 3 }, redis: { used: 6 } });
});

test('a request still writing keeps its marker past the TTL, so its retry waits and replays instead of counting twice', async (t) => {
  const services = await startServices(t, { env: usageEnv() });
  const { customer } = await meteredCustomer(services, { api_calls: 100 });
  const real = new LedgerWriter(services.api.context.db);
  // A ledger write that takes four marker TTLs (a slow Postgres), through the real writer.
  const slow = { write: async (row: LedgerRow) => { await sleep(4 * inFlightTtlMs); return real.write(row); } } as unknown as LedgerWriter;
  const deps = usageDeps(services, slow);
  const request = { feature: 'api_calls', amount: 3, idempotency_key: key() };

  const first = consume(deps, customer.stripeId, request);
  await sleep(2.5 * inFlightTtlMs);
  const retry = consume(deps, customer.stripeId, request);
  await sleep(inFlightTtlMs / 3);
  const target = await resolveTarget(deps, customer.stripeId, 'api_calls', new Date());
  const during = await deps.store.admit(target.slot, { mode: 'peek', allowance: -1, amount: 0, overage: 'allow', now: new Date() });
  t.like(during, { status: 'ok', figures: { used: 3 } }, 'the retry was not admitted a second time');

  const [answered, replayed] = await Promise.all([first, retry]);
  t.like(answered, { status: 200, replayed: false });
  t.like(replayed, { status: 200, replayed: true });
  t.deepEqual(replayed.body, answered.body);
  t.is(await ledgerRows(services, customer.id, request.idempotency_key), 1);
  t.deepEqual((await balanceDrift(deps, { customerId: customer.id })).drifted, []);
});

/** The error ioredis gives for a MOVED reply (ioredis types its ReplyError class as `any`). */
function movedReply(): Error {
  const ReplyErrorClass = ReplyError as new (message: string) => Error;
  return new ReplyErrorClass('MOVED 3999 127.0.0.1:7001');
}

const lostAnswers = [
  { ran: true, how: 'after Redis ran it', failure: undefined },
  { ran: false, how: 'before Redis ran it', failure: undefined },
  // A pipelined command a moving cluster redirected, which the client did not follow: it did not run.
  { ran: false, how: 'to a cluster redirection', failure: movedReply() },
];
for (const { ran, how, failure } of lostAnswers) {
  test(`an admission whose answer was lost ${how} is a 503 and is taken back: the call arriving late counts nothing, and the retry is counted once at once`, async (t) => {
    const services = await startServices(t, { env: usageEnv() });
    const { customer } = await meteredCustomer(services, { api_calls: 100 });
    const deps = usageDeps(services);
    const request = { feature: 'api_calls', amount: 3, idempotency_key: key() };
    const used = async () => (await readBalance(deps, customer.stripeId, 'api_calls')).used;
    t.is(await used(), 0, 'the balance is built (and the script loaded) before the failing call');

    const lost = losingFirstAnswer(services.api.context.balances, ran, failure);
    const failed = await t.throwsAsync(consume(usageDeps(services, undefined, lost.redis), customer.stripeId, request), { instanceOf: AppError });
    t.like(failed, { status: 503, code: 'dependency_unavailable' });
    // The lost call arrives (again) before the client's retry; the take-back went first on the same connection.
    t.deepEqual(await services.api.context.balances.evalsha(...(lost.sent as Parameters<Redis['evalsha']>)), ['duplicate']);
    t.is(await used(), 0, 'nothing counted that no ledger row holds');

    const started = Date.now();
    const retry = await consume(deps, customer.stripeId, request);
    t.like(retry, { status: 200, replayed: false });
    t.true(Date.now() - started < 5000, 'admitted at once, not after the in-flight wait and a 409');
    t.is(await used(), 3, 'counted once');
    t.is(await ledgerRows(services, customer.id, request.idempotency_key), 1);
    t.deepEqual((await balanceDrift(deps, { customerId: customer.id })).drifted, []);
  });
}

test('the same admission attempt sent twice (the client resending after a lost answer) is admitted once and answered ok both times', async (t) => {
  const services = await startServices(t, { env: usageEnv() });
  const { customer } = await meteredCustomer(services, { api_calls: 100 });
  const deps = usageDeps(services);
  const now = new Date();
  const target = await resolveTarget(deps, customer.stripeId, 'api_calls', now);
  await rebuildBalance(deps, target, now);
  const admission = { mode: 'admit', allowance: 100, amount: 3, overage: 'reject', idempotencyKey: key(), requestHash: 'h', attempt: 'attempt-1', now } as const;
  const first = await deps.store.admit(target.slot, admission);
  const again = await deps.store.admit(target.slot, admission);
  t.like(first, { status: 'ok', allowed: true, counted: 3, figures: { used: 3 } });
  t.like(again, { status: 'ok', allowed: true, counted: 3, figures: { used: 3 } });
  t.like(await deps.store.admit(target.slot, { ...admission, attempt: 'attempt-2' }), { status: 'duplicate' }, 'another attempt of the key waits for the first');
});
