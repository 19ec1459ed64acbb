import test from 'ava';
import type { Db } from '../../shared/infra/db.js';
import { balanceKeys } from '../../shared/usage/usage-keys.js';
import { clusterConnection, failoverStack } from '../support/failover-load.js';
import { eventually } from '../support/processes.js';
import { masterOf, startRedisCluster } from '../support/redis-cluster.js';
import { call } from './admin-fixtures.js';
import { consumeCall, key, meteredCustomer, usageEnv, type BalanceBody } from './usage-fixtures.js';

const CUSTOMERS = 8;
const ALLOWANCE = 100;
const AMOUNT = 3;
/** Consumes sent per customer: more than its allowance admits, so every customer runs out. */
const ROUNDS = 45;
const LANES = 8;

interface Consume { customer: number; key: string; status?: number }

const definitive = (status: number | undefined) => status === 200 || status === 402;

const ledgerOf = async (db: Db, customerId: string) =>
  (await db('usage_ledger').where({ customer_id: customerId, feature: 'api_calls' }).select<{ idempotency_key: string; amount: string }[]>('idempotency_key', 'amount'))
    .map((row) => ({ key: row.idempotency_key, amount: Number(row.amount) }));

test('Redis Cluster, a master killed mid-consume-load: every acknowledged consume is in the ledger once, balances equal the ledger, and admission stays exact', async (t) => {
  const cluster = await startRedisCluster();
  t.teardown(cluster.stop);
  const stack = await failoverStack(t, { ...usageEnv(), REDIS_CLUSTER_NODES: cluster.nodes.join(','), QUEUE_SHARDS: '3' });
  const redis = clusterConnection(stack);
  const { db, config } = stack.api.context;
  const customers = await Promise.all(Array.from({ length: CUSTOMERS }, () => meteredCustomer(stack, { api_calls: ALLOWANCE })));
  const stateKeys = customers.map(({ customer }) => balanceKeys(config.REDIS_PREFIX, customer.id, 'api_calls'));
  const homes = await Promise.all(stateKeys.map(({ state }) => masterOf(redis, state)));
  t.true(new Set(homes).size >= 2, `balance keys on ${new Set(homes).size} masters`);
  const victim = homes[0] ?? -1;
  const onVictim = new Set(homes.flatMap((home, index) => (home === victim ? [index] : [])));

  // Round-robin over the customers, a fixed number of lanes; the master is killed a third of the way in.
  const planned: Consume[] = Array.from({ length: CUSTOMERS * ROUNDS }, (_, index) => ({ customer: index % CUSTOMERS, key: key() }));
  let killedAt = 0;
  let recoveredAt = 0;
  const counts = { unavailable: 0, acknowledgedAfterKill: 0, retries: 0, retryStatuses: new Set<number>() };
  const send = async (consume: Consume) => {
    const { customer, writer } = customers[consume.customer];
    const sentAt = Date.now();
    const answer = await consumeCall(stack.url, writer, customer.stripeId, { feature: 'api_calls', amount: AMOUNT, idempotency_key: consume.key });
    consume.status = answer.status;
    const afterKill = killedAt > 0 && sentAt >= killedAt;
    if (afterKill && answer.status === 200) counts.acknowledgedAfterKill += 1;
    if (afterKill && recoveredAt === 0 && onVictim.has(consume.customer) && definitive(answer.status)) recoveredAt = Date.now();
    return answer;
  };
  let next = 0;
  let fault: Promise<void> | undefined;
  const lane = async () => {
    while (next < planned.length) {
      const consume = planned[next++];
      const answer = await send(consume);
      if (answer.status === 503) counts.unavailable += 1;
      if (!fault && next >= planned.length / 3) fault = (async () => { await cluster.kill(victim); killedAt = Date.now(); })();
    }
  };
  await Promise.all(Array.from({ length: LANES }, lane));
  await fault;
  await cluster.healthy();
  t.true((await cluster.masters()).every((port) => port !== victim), 'a replica took the killed master\'s place');

  const statuses = new Map<number, number>();
  for (const consume of planned) statuses.set(consume.status ?? 0, (statuses.get(consume.status ?? 0) ?? 0) + 1);
  t.deepEqual([...statuses.keys()].filter((status) => !definitive(status) && status !== 503), [], `answers other than 200, 402 and 503: ${JSON.stringify([...statuses])}`);

  // Every request without a definitive answer is retried with its key until it gets one.
  const unanswered = planned.filter((consume) => !definitive(consume.status));
  for (const consume of unanswered) {
    await eventually(async () => {
      const { status } = await send(consume);
      counts.retries += 1;
      counts.retryStatuses.add(status);
      return definitive(status);
    }, 30_000, 100);
  }
  if (recoveredAt === 0) recoveredAt = Date.now();
  t.deepEqual([...counts.retryStatuses].filter((status) => !definitive(status) && status !== 503), [], 'a retry is answered, or refused as unavailable; never 409 idempotency_in_flight on a lost admission, never 500');

  let acknowledgedTotal = 0;
  for (const [index, { customer, reader }] of customers.entries()) {
    const acknowledged = planned.filter((consume) => consume.customer === index && consume.status === 200);
    const ledger = await ledgerOf(db, customer.id);
    const used = acknowledged.length * AMOUNT;
    acknowledgedTotal += acknowledged.length;
    t.deepEqual(ledger.map((row) => row.key).sort(), acknowledged.map((consume) => consume.key).sort(), `customer ${index}: the ledger holds exactly the acknowledged keys`);
    t.is(ledger.reduce((sum, row) => sum + row.amount, 0), used, `customer ${index}: the ledger sums to what was acknowledged`);
    t.true(used <= ALLOWANCE, `customer ${index}: admitted no more than its allowance`);
    t.is(acknowledged.length, Math.floor(ALLOWANCE / AMOUNT), `customer ${index}: exactly the allowance admitted, none refused for units counted without a ledger row`);
    const balance = () => call<BalanceBody>(stack.url, `/v1/customers/${customer.stripeId}/balances/api_calls`, { key: reader });
    t.is((await balance()).body.used, used, `customer ${index}: the balance the api reports equals the ledger`);
    await redis.del(stateKeys[index].state, stateKeys[index].holds);
    t.is((await balance()).body.used, used, `customer ${index}: the balance rebuilt from the ledger equals it`);
  }
  t.log(`usage on cluster: ${acknowledgedTotal} consumes acknowledged of ${planned.length} sent (${CUSTOMERS} customers, ${onVictim.size} with their balance on master :${victim}), ${counts.acknowledgedAfterKill} of them sent after the kill; ${counts.unavailable} answered 503 during failover, their ${unanswered.length} keys answered after ${counts.retries} retries; the killed master's customers answered again ${recoveredAt - killedAt} ms after the kill; first answers ${JSON.stringify(Object.fromEntries(statuses))}`);
});
