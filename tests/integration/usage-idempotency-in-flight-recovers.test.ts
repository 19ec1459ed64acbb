import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { EntitlementCache } from '../../shared/entitlements/cache.js';
import { balanceDrift } from '../../shared/usage/balance-drift.js';
import { BalanceStore } from '../../shared/usage/balance-store.js';
import { consume } from '../../shared/usage/consume.js';
import { LedgerWriter, type LedgerRow } from '../../shared/usage/ledger-writer.js';
import { rebuildBalance } from '../../shared/usage/rebuild-balance.js';
import { requestHash } from '../../shared/usage/usage-requests.js';
import { resolveTarget, type UsageDeps } from '../../shared/usage/usage-target.js';
import { startServices, type TestServices } from '../support/services.js';
import { key, meteredCustomer, usageEnv } from './usage-fixtures.js';

const inFlightTtlMs = 600;

/** Usage operations as the api runs them, with an in-flight marker TTL short enough to wait out in a test. */
function usageDeps(services: TestServices, writer?: LedgerWriter): UsageDeps {
  const { context } = services.api;
  return { context, cache: new EntitlementCache(context), store: new BalanceStore(context.balances, context.config.REDIS_PREFIX, { inFlightTtlMs }), writer: writer ?? new LedgerWriter(context.db) };
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
