import test from 'ava';
import type { MetersJobs } from '../../shared/queue-jobs.js';
import type { JobOf } from '../../workers/runner.js';
import { enqueueMeterExport, flushMeterUsage, meterJobs } from '../../shared/meters/export-jobs.js';
import { exportedMeters } from '../../shared/meters/exported-meters.js';
import { meterEventsClient } from '../../shared/meters/meter-events-client.js';
import { recordDueParts } from '../../shared/meters/record-parts.js';
import { scanUsage } from '../../shared/meters/scan-usage.js';
import { sendParts } from '../../shared/meters/send-parts.js';
import { metersProcessor } from '../../workers/processors/meters.js';
import { exportRange, startMeterStack } from '../support/meters.js';
import { eventually } from '../support/processes.js';
import { deliver, makeEvent } from '../support/webhooks.js';

const hour = 3_600_000;
const hourFloor = (ms: number) => Math.floor(ms / hour) * hour;

test('through failing Stripe calls, repeated jobs and runs at once, Stripe holds exactly the ledger\'s usage', async (t) => {
  const stack = await startMeterStack(t);
  const { worker, sim } = stack;
  const customer = await stack.customer();
  const base = hourFloor(Date.now()) - 6 * hour;
  const rows = Array.from({ length: 600 }, (_, index) => [new Date(base + (index % 6) * hour + (index % 3600) * 1000), 1 + (index % 7)] as const);
  await stack.addUsage(customer.id, rows);
  await stack.addUsage(customer.id, [[new Date(base + 60_000), 50, 'commit'], [new Date(base + 120_000), -1000, 'adjust'], [new Date(base + 180_000), 999, 'rollover']]);
  await stack.addUsage(customer.id, [[new Date(base), 77]], 'seats');
  sim.weather.set({ serverErrorPercent: 25, rateLimitPercent: 10, retryAfterSeconds: 0, dropPercent: 5, onlyPaths: ['/billing/meter_events'] });

  // Three exports queued at once, and two runs of the processor by hand beside the worker's.
  await enqueueMeterExport(worker, [customer.id, customer.id, customer.id]);
  const job = { id: 'by-hand', name: meterJobs.exportCustomer, data: { customerId: customer.id } } as unknown as JobOf<MetersJobs>;
  await Promise.allSettled([metersProcessor.run(worker, job), metersProcessor.run(worker, job)]);
  await eventually(async () => {
    await enqueueMeterExport(worker, [customer.id]);
    return (await worker.db('meter_export_windows').where({ customer_id: customer.id }).whereNot({ status: 'sent' }).count<{ n: number }[]>({ n: '*' }))[0].n === 0
      && (await worker.db('meter_export_windows').where({ customer_id: customer.id }).count<{ n: number }[]>({ n: '*' }))[0].n === 6;
  }, 60_000, 200);
  t.true(sim.weather.figures.serverErrors + sim.weather.figures.rateLimited + sim.weather.figures.dropped > 0, 'the weather did fail calls');
  sim.weather.set({ serverErrorPercent: 0, rateLimitPercent: 0, dropPercent: 0 });

  const ledger = await stack.ledgerTotal(customer.id);
  t.is(ledger, rows.reduce((sum, [, amount]) => sum + amount, 0) + 50, 'adjustments and rollovers are not usage');
  const { from, to } = exportRange();
  t.is(await stack.stripeTotal(customer.stripeCustomerId, from, to), ledger);

  // Every part sent again, as if each acknowledgement had been lost: Stripe still counts each once.
  await worker.db('meter_export_windows').where({ customer_id: customer.id }).update({ status: 'pending' });
  t.like(await sendParts(worker, meterEventsClient(worker), customer.id), { sent: 6, failed: 0 });
  t.is(await stack.stripeTotal(customer.stripeCustomerId, from, to), ledger);
  const identifiers = await worker.db('meter_export_windows').where({ customer_id: customer.id }).pluck('identifier');
  t.is(new Set(identifiers).size, 6);
  t.is([...sim.state.meterEvents.values()].filter((stored) => stored.customer === customer.stripeCustomerId).length, 6, 'one meter event per window at Stripe');
});

test('usage arriving late for a reported window is sent as one more part of it; the open window waits', async (t) => {
  const stack = await startMeterStack(t);
  const { worker } = stack;
  const customer = await stack.customer();
  const meters = exportedMeters(worker.catalogFile);
  const closed = hourFloor(Date.now()) - 2 * hour;
  await stack.addUsage(customer.id, [[new Date(closed + 1000), 10], [new Date(Date.now() - 1000), 4]]);
  t.deepEqual((await recordDueParts(worker, customer.id, meters)).map((part) => [part.part, part.quantity]), [[1, 10]]);
  await stack.addUsage(customer.id, [[new Date(closed + 2000), 5]]);
  t.deepEqual((await recordDueParts(worker, customer.id, meters)).map((part) => [part.part, part.quantity]), [[2, 5]]);
  t.deepEqual(await recordDueParts(worker, customer.id, meters), [], 'nothing new: nothing recorded');
  t.like(await sendParts(worker, meterEventsClient(worker), customer.id), { sent: 2 });
  const { from, to } = exportRange();
  t.is(await stack.stripeTotal(customer.stripeCustomerId, from, to), 15, 'the open window is not sent yet');
});

test('windows older than the 35 days Stripe accepts are recorded expired and never sent; a refused part is failed', async (t) => {
  const stack = await startMeterStack(t);
  const { worker } = stack;
  const customer = await stack.customer();
  const meters = exportedMeters(worker.catalogFile);
  await stack.addUsage(customer.id, [[new Date(Date.now() - 35 * 86_400_000 + 1000), 3], [new Date(hourFloor(Date.now()) - 3 * hour), 8]]);
  const parts = await recordDueParts(worker, customer.id, meters);
  t.deepEqual(parts.map((part) => part.status), ['expired', 'pending']);
  t.like(await sendParts(worker, meterEventsClient(worker), customer.id), { sent: 1, expired: 0 });
  const rows = await worker.db('meter_export_windows').where({ customer_id: customer.id }).orderBy('window_start').select('status', 'last_error');
  t.like(rows[0], { status: 'expired' });
  t.like(rows[1], { status: 'sent', last_error: null });
  // A pending part that has grown too old on its way is expired at sending time.
  await worker.db('meter_export_windows').where({ customer_id: customer.id }).update({ status: 'pending' });
  await worker.db('meter_export_windows').where({ customer_id: customer.id }).where('quantity', 3).update({ window_start: new Date(Date.now() - 36 * 86_400_000) });
  t.like(await sendParts(worker, meterEventsClient(worker), customer.id), { expired: 1, sent: 1 });
  // Stripe refuses a timestamp it cannot take: the part is failed, not retried for ever.
  await worker.db('meter_export_windows').where({ customer_id: customer.id, status: 'sent' }).update({ status: 'pending', window_start: new Date(Date.now() + hour), identifier: 'usage_future_1' });
  t.like(await sendParts(worker, meterEventsClient(worker), customer.id), { failed: 1 });
  t.like(await worker.db('meter_export_windows').where({ identifier: 'usage_future_1' }).first(), { status: 'failed', attempts: 3 });
});

test('the scan queues every customer with usage to export, and customers unknown at Stripe wait', async (t) => {
  const stack = await startMeterStack(t);
  const { worker } = stack;
  const first = await stack.customer();
  const second = await stack.customer();
  const [local] = await worker.db('customers').insert({ user_id: 'user-without-stripe' }).returning<{ id: string }[]>('id');
  const closed = new Date(hourFloor(Date.now()) - hour);
  for (const customer of [first.id, second.id, local.id]) await stack.addUsage(customer, [[closed, 2]]);
  t.like(await scanUsage(worker, exportedMeters(worker.catalogFile)), { customers: 3 });
  await eventually(async () => (await worker.db('meter_export_windows').whereIn('customer_id', [first.id, second.id]).where({ status: 'sent' }).count<{ n: number }[]>({ n: '*' }))[0].n === 2, 20_000);
  const { from, to } = exportRange();
  t.is(await stack.stripeTotal(first.stripeCustomerId, from, to), 2);
  t.like(await worker.db('meter_export_windows').where({ customer_id: local.id }).first(), { status: 'pending' });
  t.like(await scanUsage(worker, new Map()), { customers: 0 }, 'nothing exported: nothing scanned');
  t.truthy(await worker.db('sync_cursors').where({ name: 'meter-export-scan' }).first());
});

test('invoice.created flushes the open window up to the invoice\'s period end, so that usage is on the invoice', async (t) => {
  const stack = await startMeterStack(t);
  const { worker, services } = stack;
  const customer = await stack.customer();
  const boundary = Math.floor(Date.now() / 1000) - 10;
  await stack.addUsage(customer.id, [[new Date((boundary - 20) * 1000), 3], [new Date((boundary + 5) * 1000), 4]]);
  const invoice = { id: 'in_flush', object: 'invoice', customer: customer.stripeCustomerId, status: 'draft', created: boundary + 8, period_end: boundary, billing_reason: 'subscription_cycle' };
  t.is((await deliver(services.url, makeEvent('invoice.created', invoice))).status, 200);
  const { from, to } = exportRange();
  await eventually(async () => await stack.stripeTotal(customer.stripeCustomerId, from, to) === 3, 20_000, 100);
  t.like(await worker.db('meter_export_windows').where({ customer_id: customer.id }).first(), { window_end: new Date(boundary * 1000), quantity: 3, status: 'sent' });
  t.false(await flushMeterUsage(worker, 'cus_unknown_here', new Date(), 'invoice_created'), 'a customer unknown here has nothing to flush');
});
