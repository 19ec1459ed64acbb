import test from 'ava';
import { createGrant } from '../../shared/grants/create-grant.js';
import { exportedMeters } from '../../shared/meters/exported-meters.js';
import { meterEventsClient } from '../../shared/meters/meter-events-client.js';
import { recordDueParts } from '../../shared/meters/record-parts.js';
import { sendParts } from '../../shared/meters/send-parts.js';
import { requestReconciliation } from '../../shared/reconcile/request.js';
import { balanceKeys } from '../../shared/usage/usage-keys.js';
import { startMeterStack } from '../support/meters.js';
import { finishedRun } from '../support/stripe-lists.js';
import { adminKey, call } from './admin-fixtures.js';
import { consumeCall, key, type BalanceBody } from './usage-fixtures.js';

const hour = 3_600_000;

test('a scheduled run finds a corrupted Redis balance and a dropped meter export, repairs both, and counts them by kind', async (t) => {
  const stack = await startMeterStack(t);
  const { services, worker, sim } = stack;
  const { db, redis } = services.api.context;
  // api_calls is metered (a monthly allowance, overage refused) and exported to the `api_calls` meter.
  for (const context of [worker, services.api.context]) {
    Object.assign(context.catalogFile, { features: { api_calls: { metered: true, reset: 'month', overage: 'reject', stripe_meter: 'api_calls' } } });
  }
  const writer = (await adminKey(db, { scope: 'write' })).key;
  const reader = (await adminKey(db, { scope: 'read' })).key;
  const admin = (await adminKey(db)).key;
  const customer = await stack.customer();
  const overBilled = await stack.customer();
  await createGrant(services.api.context, { customer: customer.stripeCustomerId, feature: 'api_calls', value: 1000, reason: 'allowance for the test' }, { actor: 'test', requestId: undefined });

  // Balance: 3 × 4 consumed through the api, then Redis is corrupted (+7 used) behind the ledger's back.
  for (let i = 0; i < 3; i += 1) t.is((await consumeCall(services.url, writer, customer.stripeCustomerId, { feature: 'api_calls', amount: 4, idempotency_key: key() })).status, 200);
  await redis.hincrby(balanceKeys(services.config.REDIS_PREFIX, customer.id, 'api_calls').state, 'used', 7);
  const balance = async () => (await call<BalanceBody>(services.url, `/v1/customers/${customer.stripeCustomerId}/balances/api_calls`, { key: reader })).body;
  t.like(await balance(), { used: 19, remaining: 981 });

  // Meters: three closed hours exported, then Stripe loses the second; a fourth hour is never exported.
  const base = Math.floor(Date.now() / hour) * hour - 6 * hour;
  await stack.addUsage(customer.id, [[new Date(base + 1000), 10], [new Date(base + hour + 1000), 20], [new Date(base + 2 * hour + 1000), 30]]);
  await recordDueParts(worker, customer.id, exportedMeters(worker.catalogFile));
  await sendParts(worker, meterEventsClient(worker), customer.id);
  const lost = [...sim.state.meterEvents.entries()].find(([, stored]) => stored.value === 20)!;
  sim.state.meterEvents.delete(lost[0]);
  sim.state.meterEventIdentifiers.delete(lost[1].event.identifier);
  await stack.addUsage(customer.id, [[new Date(base + 3 * hour + 1000), 7]]);
  // Another customer whom Stripe counts usage the ledger never had: reported, never "repaired" away.
  await stack.addUsage(overBilled.id, [[new Date(base + 1000), 2]]);
  await recordDueParts(worker, overBilled.id, exportedMeters(worker.catalogFile));
  await sendParts(worker, meterEventsClient(worker), overBilled.id);
  await stack.stripe.billing.meterEvents.create({ event_name: 'api_calls', payload: { stripe_customer_id: overBilled.stripeCustomerId, value: '5' }, timestamp: Math.floor((base + 1000) / 1000) });
  const from = new Date(base - hour);
  const to = new Date(base + 5 * hour);
  t.is(await stack.stripeTotal(customer.stripeCustomerId, from, to), 40);

  const { id } = await requestReconciliation(services.api.context, { trigger: 'test' });
  const run = await finishedRun(db, id);
  t.is(run.status, 'succeeded', run.error ?? '');
  t.deepEqual(run.drift, { balance_differs: 1, meter_missing: 1, meter_over_billed: 1 });
  t.is(run.drifted, 3);
  t.is(run.repaired, 2, 'the balance and the missing usage; over-billing needs a person');
  t.is(run.errors, 0);

  t.like(await balance(), { used: 12, remaining: 988 }, 'Redis holds the ledger again');
  t.is(await stack.stripeTotal(customer.stripeCustomerId, from, to), 67, 'Stripe holds the lost hour and the hour never exported');
  t.is(await stack.stripeTotal(overBilled.stripeCustomerId, from, to), 7);
  const shown = await call<{ drift: Record<string, number>; repaired: number }>(services.url, `/admin/reconciliations/${id}`, { key: admin });
  t.like(shown.body, { drift: { balance_differs: 1, meter_missing: 1, meter_over_billed: 1 }, repaired: 2 });

  // A second run finds the repaired drift gone; the over-billing is still there until someone fixes it at Stripe.
  const again = await finishedRun(db, (await requestReconciliation(services.api.context, { trigger: 'test' })).id);
  t.is(again.status, 'succeeded', again.error ?? '');
  t.deepEqual(again.drift, { meter_over_billed: 1 });
});
