import test from 'ava';
import Stripe from 'stripe';
import { fileURLToPath } from 'node:url';
import { createSimulator } from '../../tools/stripe-sim/server.js';

const seed = fileURLToPath(new URL('../../tools/stripe-sim/seed.json', import.meta.url));
const day = 86_400;
// 2027-01-31T00:00:00Z: month-end anchors exercise calendar arithmetic.
const start = 1_801_353_600;

async function setup(t: { teardown(fn: () => Promise<void>): void }) {
  const sim = await createSimulator({ seed, clockStart: start });
  t.teardown(() => sim.close());
  return { sim, stripe: new Stripe('sk_test_clock', sim.stripeConfig) };
}

test('advancing the clock past a period end renews: new paid invoice, item period moved', async (t) => {
  const { sim, stripe } = await setup(t);
  const { subscription } = sim.ops.checkout({ lookupKey: 'pro_monthly' });
  const before = await stripe.subscriptions.retrieve(subscription);
  const firstEnd = before.items.data[0].current_period_end;
  t.is(firstEnd, Date.UTC(2027, 1, 28) / 1000, 'Jan 31 + 1 month is Feb 28');
  const result = await (await fetch(`${sim.url}/_sim/clock/advance`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ seconds: 30 * day }),
  })).json() as { actions: string[]; to: number };
  t.deepEqual(result.actions, [`period end ${subscription}`]);
  t.is(sim.clock.now(), start + 30 * day);
  const after = await stripe.subscriptions.retrieve(subscription, { expand: ['latest_invoice'] });
  t.is(after.status, 'active');
  t.is(after.items.data[0].current_period_start, firstEnd);
  t.is(after.items.data[0].current_period_end, Date.UTC(2027, 2, 28) / 1000);
  const invoice = after.latest_invoice as Stripe.Invoice;
  t.is(invoice.billing_reason, 'subscription_cycle');
  t.is(invoice.status, 'paid');
  t.is(invoice.created, firstEnd, 'the renewal happened at the period end, not at the target time');
  const invoices = await stripe.invoices.list({ subscription });
  t.is(invoices.data.length, 2);
  const updated = sim.events().at(-1) as Stripe.CustomerSubscriptionUpdatedEvent;
  t.is(updated.type, 'customer.subscription.updated');
  t.is(updated.request, null);
  t.deepEqual(Object.keys(updated.data.previous_attributes ?? {}).sort(), ['items', 'latest_invoice']);
});

test('a failing card makes the renewal past_due, retries follow the schedule, then the subscription is canceled', async (t) => {
  const { sim, stripe } = await setup(t);
  const { customer, subscription } = sim.ops.checkout({ lookupKey: 'basic_monthly' });
  sim.ops.setPaymentOutcome(customer, 'fail');
  sim.ops.advanceToPeriodEnd(subscription);
  const pastDue = await stripe.subscriptions.retrieve(subscription, { expand: ['latest_invoice'] });
  t.is(pastDue.status, 'past_due');
  const invoice = pastDue.latest_invoice as Stripe.Invoice;
  t.is(invoice.status, 'open');
  t.is(invoice.attempt_count, 1);
  t.is(invoice.next_payment_attempt, sim.clock.now() + 3 * day);
  t.true(sim.events().some((e) => e.type === 'invoice.payment_failed'));
  const summary = sim.advance(20 * day);
  t.deepEqual(summary.actions.filter((a) => a.startsWith('payment retry')).length, 3);
  const ended = await stripe.subscriptions.retrieve(subscription);
  t.is(ended.status, 'canceled');
  t.is(ended.cancellation_details?.reason, 'payment_failed');
  t.is((await stripe.invoices.retrieve(invoice.id)).attempt_count, 4);
  t.deepEqual((await stripe.entitlements.activeEntitlements.list({ customer })).data, []);
});

test('a retry that succeeds recovers a past_due subscription to active', async (t) => {
  const { sim, stripe } = await setup(t);
  const { customer, subscription } = sim.ops.checkout({ lookupKey: 'basic_monthly' });
  sim.ops.setPaymentOutcome(customer, 'fail');
  sim.ops.advanceToPeriodEnd(subscription);
  sim.ops.setPaymentOutcome(customer, 'succeed');
  sim.advance(3 * day);
  t.is((await stripe.subscriptions.retrieve(subscription)).status, 'active');
  const last = sim.events().filter((e) => e.type === 'customer.subscription.updated').at(-1) as Stripe.CustomerSubscriptionUpdatedEvent;
  t.deepEqual(last.data.previous_attributes, { status: 'past_due' });
});

test('cancel at period end deletes the subscription when the period ends', async (t) => {
  const { sim, stripe } = await setup(t);
  const { subscription } = sim.ops.checkout({ lookupKey: 'pro_monthly' });
  await stripe.subscriptions.update(subscription, { cancel_at_period_end: true });
  sim.advance(27 * day);
  t.is((await stripe.subscriptions.retrieve(subscription)).status, 'active');
  sim.advance(1 * day);
  const ended = await stripe.subscriptions.retrieve(subscription);
  t.is(ended.status, 'canceled');
  t.is(ended.ended_at, Date.UTC(2027, 1, 28) / 1000);
  t.is(sim.events().filter((e) => e.type === 'customer.subscription.deleted').length, 1);
  t.is((await stripe.invoices.list({ subscription })).data.length, 1, 'no renewal invoice');
});

test('a trial sends trial_will_end three days before it ends, then bills and activates', async (t) => {
  const { sim, stripe } = await setup(t);
  const { subscription } = sim.ops.checkout({ lookupKey: 'pro_monthly', trialDays: 14 });
  const trialing = await stripe.subscriptions.retrieve(subscription, { expand: ['latest_invoice'] });
  t.is(trialing.status, 'trialing');
  t.is(trialing.trial_end, start + 14 * day);
  t.is((trialing.latest_invoice as Stripe.Invoice).amount_paid, 0);
  sim.advance(10 * day);
  t.false(sim.events().some((e) => e.type === 'customer.subscription.trial_will_end'));
  sim.advance(1 * day);
  const notice = sim.events().filter((e) => e.type === 'customer.subscription.trial_will_end');
  t.is(notice.length, 1);
  t.is(notice[0]?.created, start + 11 * day);
  sim.advance(3 * day);
  const active = await stripe.subscriptions.retrieve(subscription, { expand: ['latest_invoice'] });
  t.is(active.status, 'active');
  t.is((active.latest_invoice as Stripe.Invoice).amount_paid, 2900);
});

test('a seat change updates the quantity and emits customer.subscription.updated', async (t) => {
  const { sim } = await setup(t);
  const { subscription } = sim.ops.checkout({ lookupKey: 'team_monthly', quantity: 3 });
  sim.ops.setQuantity(subscription, 7);
  const event = sim.events().at(-1) as Stripe.CustomerSubscriptionUpdatedEvent;
  t.is(event.type, 'customer.subscription.updated');
  t.is(event.data.object.items.data[0]?.quantity, 7);
  t.is(event.data.previous_attributes?.items?.data[0]?.quantity, 3);
});
