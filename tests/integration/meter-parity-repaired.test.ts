import test from 'ava';
import { exportedMeters } from '../../shared/meters/exported-meters.js';
import { meterEventsClient } from '../../shared/meters/meter-events-client.js';
import { recordDueParts } from '../../shared/meters/record-parts.js';
import { sendParts } from '../../shared/meters/send-parts.js';
import { startMeterStack } from '../support/meters.js';
import { adminKey, call } from './admin-fixtures.js';

const hour = 3_600_000;

interface Report { diff: number; stripe_customer_id: string; meters: { event_name: string; ledger: number; stripe: number; diff: number; open: number; repaired: number; unrepairable: string[] }[] }

test('parity is 0 once exported; usage Stripe lost or never got is repaired; over-billing is reported, not hidden', async (t) => {
  const stack = await startMeterStack(t);
  const { worker, services, sim } = stack;
  const admin = await adminKey(services.api.context.db);
  const reader = await adminKey(services.api.context.db, { readOnly: true });
  const customer = await stack.customer();
  const base = Math.floor(Date.now() / hour) * hour - 5 * hour;
  await stack.addUsage(customer.id, [[new Date(base + 1000), 10], [new Date(base + hour + 1000), 20], [new Date(base + 2 * hour + 1000), 30], [new Date(Date.now() - 1000), 4]]);
  await recordDueParts(worker, customer.id, exportedMeters(worker.catalogFile));
  await sendParts(worker, meterEventsClient(worker), customer.id);
  const period = `${new Date(base - 19 * hour).toISOString()}/${new Date(base + 6 * hour).toISOString()}`;
  const parity = async (key = reader.key) => call<Report>(services.url, `/admin/meters/parity?customer=${customer.stripeCustomerId}&period=${encodeURIComponent(period)}`, { key });
  const repair = async () => call<Report>(services.url, '/admin/meters/parity/repair', { method: 'POST', key: admin.key, body: { customer: customer.stripeCustomerId, period } });

  const clean = await parity();
  t.is(clean.status, 200);
  t.like(clean.body, { diff: 0, stripe_customer_id: customer.stripeCustomerId });
  t.like(clean.body.meters[0], { event_name: 'api_calls', ledger: 60, stripe: 60, diff: 0, open: 4, repaired: 0, unrepairable: [] });

  // Stripe loses the second window's event; a fourth window is never exported.
  const lost = [...sim.state.meterEvents.entries()].find(([, stored]) => stored.value === 20)!;
  sim.state.meterEvents.delete(lost[0]);
  sim.state.meterEventIdentifiers.delete(lost[1].event.identifier);
  await stack.addUsage(customer.id, [[new Date(base + 3 * hour + 1000), 7]]);
  const gap = await parity();
  t.is(gap.status, 200, JSON.stringify(gap.body));
  t.like(gap.body.meters[0], { ledger: 67, stripe: 40, diff: 27 });
  t.is((await call(services.url, '/admin/meters/parity/repair', { method: 'POST', key: reader.key, body: { customer: customer.stripeCustomerId, period } })).status, 403, 'a read-only key only looks');
  const repaired = await repair();
  t.is(repaired.status, 200);
  t.like(repaired.body.meters[0], { ledger: 67, stripe: 67, diff: 0, repaired: 2 });
  t.like((await parity()).body, { diff: 0 });
  t.like(await services.api.context.db('audit_log').where({ action: 'meters.repaired', customer_id: customer.id }).first(), { subject_type: 'customer', actor: `key:${admin.id}` });

  // Usage Stripe counts that the ledger never had: reported for a person, never "repaired" away.
  await stack.stripe.billing.meterEvents.create({ event_name: 'api_calls', payload: { stripe_customer_id: customer.stripeCustomerId, value: '5' }, timestamp: Math.floor((base + 1000) / 1000) });
  const over = (await repair()).body.meters[0];
  t.like(over, { diff: -5, repaired: 0 });
  t.true(over.unrepairable.some((line) => line.includes('over-billed by 5')), over.unrepairable.join('; '));
});

test('parity refuses a bad period or customer, and reports usage it cannot bill', async (t) => {
  const stack = await startMeterStack(t);
  const { services, worker } = stack;
  const admin = await adminKey(services.api.context.db);
  const bad = await call<{ error: { code: string; message: string } }>(services.url, '/admin/meters/parity?period=2026-13', { key: admin.key });
  t.is(bad.status, 400);
  t.is(bad.body.error.code, 'invalid_query');
  t.regex(bad.body.error.message, /customer: is required.*period: must be a month/);
  t.is((await call(services.url, '/admin/meters/parity?customer=cus_nobody&period=2026-01', { key: admin.key })).status, 404);
  const [local] = await worker.db('customers').insert({ user_id: 'parity-user' }).returning<{ id: string }[]>('id');
  await stack.addUsage(local.id, [[new Date('2026-01-10T10:00:00Z'), 3]]);
  const report = await call<Report>(services.url, '/admin/meters/parity?customer=parity-user&period=2026-01', { key: admin.key });
  t.like(report.body.meters[0], { ledger: 3, stripe: 0, diff: 3 });
  t.deepEqual(report.body.meters[0]?.unrepairable, ['the customer is not a Stripe customer']);
  const month = await call<Report>(services.url, `/admin/meters/parity?customer=parity-user&period=${encodeURIComponent('2026-01-01T00:00:00Z/2026-01-10T00:00:00Z')}`, { key: admin.key });
  t.like(month.body, { diff: 0 });
});
