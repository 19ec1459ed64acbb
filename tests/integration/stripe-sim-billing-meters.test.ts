import test from 'ava';
import Stripe from 'stripe';
import { fileURLToPath } from 'node:url';
import { createSimulator } from '../../tools/stripe-sim/server.js';

const seed = fileURLToPath(new URL('../../tools/stripe-sim/seed.json', import.meta.url));
const hour = 3600;
const day = 86_400;
// 2027-03-01T00:00:00Z
const start = 1_803_859_200;

async function setup(t: { teardown(fn: () => Promise<void>): void }) {
  const sim = await createSimulator({ seed, clockStart: start });
  t.teardown(() => sim.close());
  const stripe = new Stripe('sk_test_meters', sim.stripeConfig);
  const meter = await stripe.billing.meters.create({ display_name: 'API calls', event_name: 'api_calls', default_aggregation: { formula: 'sum' } });
  return { sim, stripe, meter };
}

async function refusal(call: Promise<unknown>): Promise<{ status?: number; code?: string; param?: string }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) return { status: error.statusCode, code: error.code, param: error.param };
    throw error;
  }
  return {};
}

test('meters are created, listed and retrieved; an active event name is taken once', async (t) => {
  const { stripe, meter } = await setup(t);
  t.like(meter, { object: 'billing.meter', event_name: 'api_calls', status: 'active', default_aggregation: { formula: 'sum' }, customer_mapping: { event_payload_key: 'stripe_customer_id', type: 'by_id' }, value_settings: { event_payload_key: 'value' } });
  t.is((await stripe.billing.meters.retrieve(meter.id)).id, meter.id);
  const tokens = await stripe.billing.meters.create({ display_name: 'Tokens', event_name: 'tokens', default_aggregation: { formula: 'count' } });
  t.deepEqual((await stripe.billing.meters.list()).data.map((m) => m.id), [tokens.id, meter.id]);
  t.like(await refusal(stripe.billing.meters.create({ display_name: 'Again', event_name: 'api_calls', default_aggregation: { formula: 'sum' } })), { status: 400, param: 'event_name' });
  t.like(await refusal(stripe.billing.meters.create({ display_name: 'Odd', event_name: 'odd', default_aggregation: { formula: 'median' } })), { status: 400, param: 'default_aggregation[formula]' });
  t.like(await refusal(stripe.billing.meters.retrieve('mtr_missing')), { status: 404, code: 'resource_missing' });
});

test('meter events sum per customer; an identifier repeated within 24 hours counts once, after them again', async (t) => {
  const { sim, stripe, meter } = await setup(t);
  const report = (value: number, identifier: string, timestamp = sim.clock.now()) =>
    stripe.billing.meterEvents.create({ event_name: 'api_calls', payload: { stripe_customer_id: 'cus_a', value: String(value) }, identifier, timestamp });
  const first = await report(5, 'win-1');
  t.like(first, { object: 'billing.meter_event', identifier: 'win-1', payload: { value: '5' } });
  await report(7, 'win-2');
  const repeated = await report(100, 'win-1');
  t.is(repeated.payload.value, '5', 'the first event answers a repeated identifier');
  await stripe.billing.meterEvents.create({ event_name: 'api_calls', payload: { stripe_customer_id: 'cus_b', value: '3' }, identifier: 'other-customer' });
  const total = async () => (await stripe.billing.meters.listEventSummaries(meter.id, { customer: 'cus_a', start_time: start, end_time: start + 2 * day })).data[0]?.aggregated_value;
  t.is(await total(), 12);
  sim.advance(day + 1);
  await report(1, 'win-1', start + 60);
  t.is(await total(), 13, 'past the dedup horizon the identifier is new again');
});

test('meter events outside 35 days back or 5 minutes ahead, or without a customer or number, are refused', async (t) => {
  const { sim, stripe } = await setup(t);
  const now = sim.clock.now();
  const create = (payload: Record<string, string>, timestamp?: number) => refusal(stripe.billing.meterEvents.create({ event_name: 'api_calls', payload, ...(timestamp !== undefined && { timestamp }) }));
  t.like(await create({ stripe_customer_id: 'cus_a', value: '1' }, now - 35 * day - 1), { status: 400, code: 'timestamp_too_far_in_past', param: 'timestamp' });
  t.like(await create({ stripe_customer_id: 'cus_a', value: '1' }, now + 301), { status: 400, code: 'timestamp_in_future' });
  t.like(await create({ value: '1' }), { status: 400, param: 'payload[stripe_customer_id]' });
  t.like(await create({ stripe_customer_id: 'cus_a', value: 'many' }), { status: 400, param: 'payload[value]' });
  t.deepEqual(await create({ stripe_customer_id: 'cus_a', value: '1' }, now - 35 * day), {}, 'exactly 35 days back is accepted');
  t.is(sim.state.meterEvents.size, 1);
});

test('event summaries group by hour or day, newest first, over minute-aligned ranges', async (t) => {
  const { stripe, meter } = await setup(t);
  for (const [offset, value] of [[10, 2], [hour + 5, 3], [hour + 50, 4], [3 * hour, 1]] as const) {
    await stripe.billing.meterEvents.create({ event_name: 'api_calls', payload: { stripe_customer_id: 'cus_a', value: String(value) }, timestamp: start - day + offset });
  }
  const hourly = await stripe.billing.meters.listEventSummaries(meter.id, { customer: 'cus_a', start_time: start - day, end_time: start - day + 4 * hour, value_grouping_window: 'hour' });
  t.deepEqual(hourly.data.map((s) => [s.start_time - (start - day), s.aggregated_value]), [[3 * hour, 1], [2 * hour, 0], [hour, 7], [0, 2]]);
  const daily = await stripe.billing.meters.listEventSummaries(meter.id, { customer: 'cus_a', start_time: start - 2 * day, end_time: start, value_grouping_window: 'day' });
  t.deepEqual(daily.data.map((s) => s.aggregated_value), [10, 0]);
  const paged = await stripe.billing.meters.listEventSummaries(meter.id, { customer: 'cus_a', start_time: start - day, end_time: start, value_grouping_window: 'hour' }).autoPagingToArray({ limit: 100 });
  t.is(paged.length, 24);
  t.is(paged.reduce((sum, s) => sum + s.aggregated_value, 0), 10);
  t.like(await refusal(stripe.billing.meters.listEventSummaries(meter.id, { customer: 'cus_a', start_time: start + 1, end_time: start + hour })), { status: 400, param: 'start_time' });
  t.like(await refusal(stripe.billing.meters.listEventSummaries(meter.id, { customer: 'cus_a', start_time: start, end_time: start })), { status: 400, param: 'end_time' });
});

test('a metered price bills its meter usage in arrears on the renewal invoice, and the preview shows usage so far', async (t) => {
  const { sim, stripe, meter } = await setup(t);
  const product = await stripe.products.create({ name: 'API' });
  t.like(await refusal(stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 2, recurring: { interval: 'month', usage_type: 'metered' } })), { status: 400, param: 'recurring[meter]' });
  const price = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 2, lookup_key: 'api_metered', recurring: { interval: 'month', usage_type: 'metered', meter: meter.id } });
  t.like(price.recurring, { usage_type: 'metered', meter: meter.id });
  const { customer, subscription, invoice } = sim.ops.checkout({ lookupKey: 'api_metered' });
  t.is((await stripe.invoices.retrieve(invoice ?? '')).amount_due, 0, 'nothing is used at signup');
  const report = (value: number, timestamp: number) => stripe.billing.meterEvents.create({ event_name: 'api_calls', payload: { stripe_customer_id: customer, value: String(value) }, timestamp });
  sim.advance(10 * day);
  await report(40, sim.clock.now() - hour);
  await report(2, sim.clock.now());
  const preview = await stripe.invoices.createPreview({ subscription });
  t.is(preview.amount_due, 84);
  t.is(preview.lines.data[0]?.quantity, 42);
  sim.ops.advanceToPeriodEnd(subscription);
  await report(1000, sim.clock.now());
  const renewed = await stripe.subscriptions.retrieve(subscription, { expand: ['latest_invoice'] });
  const bill = renewed.latest_invoice as Stripe.Invoice;
  t.is(bill.billing_reason, 'subscription_cycle');
  t.is(bill.amount_due, 84, 'usage after the period end waits for the next invoice');
  t.like(bill.lines.data[0], { quantity: 42, amount: 84, period: { start, end: sim.clock.now() } });
});

test('the weather can hit one path only: meter events fail while the rest of the API answers', async (t) => {
  const { sim, stripe } = await setup(t);
  sim.weather.set({ serverErrorPercent: 100, onlyPaths: ['/billing/meter_events'] });
  t.like(await refusal(stripe.billing.meterEvents.create({ event_name: 'api_calls', payload: { stripe_customer_id: 'cus_a', value: '1' } })), { status: 500 });
  t.is((await stripe.billing.meters.list()).data.length, 1);
  t.is(sim.weather.figures.serverErrors, 1);
  t.is(sim.state.meterEvents.size, 0);
});
