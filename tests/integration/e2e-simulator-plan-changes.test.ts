import test, { type ExecutionContext } from 'ava';
import nock from 'nock';
import type Stripe from 'stripe';
import { createKey } from '../../shared/api-keys.js';
import { catalogFile } from '../support/catalog.js';
import { entitlementsAfterDelivery, startSimulatorStack, unfinishedEvents, type EntitlementsBody, type SimulatorStack } from '../support/simulator-stack.js';

// Every call stays on this machine: the simulator, the api and a worker. No Stripe mocks.
nock.disableNetConnect();
nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);

const day = 86_400;
/** The example catalog, with the team plan's seats bounded. */
const catalog = {
  plans: [
    { match: { lookup_key: 'basic_monthly' }, features: { basic: true, api_calls: 1000 } },
    { match: { lookup_key: 'pro_monthly' }, features: { basic: true, pro: true, api_calls: 10000 } },
    { match: { product: 'prod_team' }, features: { team: true, seats: 'quantity' }, quantity: { min: 2, max: 10 } },
  ],
};

type Json = Record<string, unknown>;
interface Answer { status: number; body: Json }

async function setup(t: ExecutionContext) {
  const stack = await startSimulatorStack(t, catalogFile(catalog));
  const { key } = await createKey(stack.services.api.context.db, { name: 'e2e-plans', scope: 'write' });
  const post = async (path: string, body: unknown, idempotencyKey?: string): Promise<Answer> => {
    const response = await fetch(`${stack.services.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(idempotencyKey !== undefined && { 'idempotency-key': idempotencyKey }) },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  };
  return { ...stack, post };
}

const features = (body: object) => Object.fromEntries(((body as { entitlements: EntitlementsBody['entitlements'] }).entitlements).map((e) => [e.feature, e.value]));
const itemOf = (subscription: Stripe.Subscription) => subscription.items.data[0];
const invoicesOf = (stack: SimulatorStack, subscription: string) =>
  [...stack.sim.state.invoices.values()].filter((invoice) => invoice.parent?.subscription_details?.subscription === subscription);
/** Stripe's proration of `amount` for the rest of the period after `at`, to the second, in whole minor units. */
const prorate = (amount: number, start: number, end: number, at: number) => Math.round((amount * (end - at)) / (end - start));

test('plans change on the simulator: the upgrade bills what the preview showed, the downgrade waits for the period end, cancel and resume; retries with one key change nothing twice', async (t) => {
  const stack = await setup(t);
  const { sim, post } = stack;
  const userId = 'user_e2e_plans';
  const { customer, subscription } = await sim.driver.checkout({ lookupKey: 'basic_monthly', clientReferenceId: userId });
  const signedUp = await entitlementsAfterDelivery(stack, userId, customer);
  t.deepEqual(features(signedUp), { basic: true, api_calls: 1000 });

  // 1. Ten days into the period, preview the upgrade at that moment, billed at once.
  sim.advance(10 * day);
  const { current_period_start: start, current_period_end: end } = itemOf(sim.ops.subscription(subscription));
  const prorationDate = sim.clock.now();
  const preview = await post(`/v1/customers/${userId}/subscription/preview`, { lookup_key: 'pro_monthly', proration_date: prorationDate, proration_behavior: 'always_invoice' });
  t.is(preview.status, 200, JSON.stringify(preview.body));
  const expected = prorate(2900, start, end, prorationDate) - prorate(900, start, end, prorationDate);
  t.like(preview.body, { subscription, currency: 'usd', price: 'price_pro_monthly', applies: 'now', proration_date: prorationDate, prorations: expected, amount_due_now: expected });
  t.like(preview.body.next_invoice, { amount_due: 2900, total: 2900, tax: 0, at: end });
  t.deepEqual((preview.body.lines as Json[]).map((line) => [line.amount, line.proration]), [[-prorate(900, start, end, prorationDate), true], [prorate(2900, start, end, prorationDate), true], [2900, false]]);

  // 2. The change with the preview's proration date: the invoice charged now is what was shown; entitlements at once, with a newer version.
  const change = { lookup_key: 'pro_monthly', proration_date: preview.body.proration_date, proration_behavior: 'always_invoice' };
  const upgraded = await post(`/v1/customers/${userId}/subscription/change`, change, 'upgrade-1');
  t.is(upgraded.status, 200, JSON.stringify(upgraded.body));
  t.like(upgraded.body, { applies: 'now', schedule: null });
  t.deepEqual(features(upgraded.body), { basic: true, pro: true, api_calls: 10000 });
  t.true((upgraded.body.version as number) > (signedUp.version ?? 0), 'a newer entitlement version');
  const charged = invoicesOf(stack, subscription).filter((invoice) => invoice.billing_reason === 'subscription_update');
  t.is(charged.length, 1);
  t.like(charged[0], { amount_due: preview.body.amount_due_now, amount_paid: preview.body.amount_due_now, status: 'paid' });
  const retried = await post(`/v1/customers/${userId}/subscription/change`, change, 'upgrade-1');
  t.is(retried.status, 200, JSON.stringify(retried.body));
  t.deepEqual(retried.body.subscription, upgraded.body.subscription);
  t.is(invoicesOf(stack, subscription).filter((invoice) => invoice.billing_reason === 'subscription_update').length, 1, 'the retry billed nothing more');

  // 3. A downgrade waits for the period end through a schedule; pro stays until then.
  const downgraded = await post(`/v1/customers/${userId}/subscription/change`, { lookup_key: 'basic_monthly' }, 'downgrade-1');
  t.is(downgraded.status, 200, JSON.stringify(downgraded.body));
  t.like(downgraded.body, { applies: 'period_end', effective_at: end });
  const scheduleId = downgraded.body.schedule as string;
  t.regex(scheduleId, /^sub_sched_/);
  t.deepEqual(features(downgraded.body), { basic: true, pro: true, api_calls: 10000 });
  const again = await post(`/v1/customers/${userId}/subscription/change`, { lookup_key: 'basic_monthly' }, 'downgrade-1');
  t.like(again.body, { applies: 'period_end', schedule: scheduleId, effective_at: end });
  t.is([...sim.state.subscriptionSchedules.values()].filter((schedule) => schedule.subscription === subscription).length, 1);
  const schedule = sim.state.subscriptionSchedules.get(scheduleId)!;
  t.deepEqual(schedule.phases.map((phase) => [phase.items[0]?.price, phase.start_date, phase.end_date]), [['price_pro_monthly', start, end], ['price_basic_monthly', end, schedule.phases[1].end_date]]);
  t.is(itemOf(sim.ops.subscription(subscription)).price.id, 'price_pro_monthly');
  const beforeSwitch = await entitlementsAfterDelivery(stack, userId, customer);
  t.deepEqual(features(beforeSwitch), { basic: true, pro: true, api_calls: 10000 });

  // 4. The clock passes the period end: the phase switches the price before the renewal bills it.
  const eventsBefore = sim.events().length;
  sim.ops.advanceToPeriodEnd(subscription);
  const renewed = sim.ops.subscription(subscription);
  t.is(itemOf(renewed).price.id, 'price_basic_monthly');
  t.is(renewed.status, 'active');
  const renewal = invoicesOf(stack, subscription).find((invoice) => invoice.billing_reason === 'subscription_cycle');
  t.like(renewal, { amount_due: 900, period_start: end, status: 'paid' });
  const types = sim.events().slice(eventsBefore).map((event) => event.type);
  t.true(types.includes('subscription_schedule.updated') && types.includes('customer.subscription.updated'), types.join(', '));
  const switched = await entitlementsAfterDelivery(stack, userId, customer);
  t.deepEqual(features(switched), { basic: true, api_calls: 1000 });
  t.true((switched.version ?? 0) > (upgraded.body.version as number));

  // 5. Cancel at period end (the pending schedule is released first), then resume; each retried with its key.
  const cancel = await post(`/v1/customers/${userId}/subscription/cancel`, {}, 'cancel-1');
  t.is(cancel.status, 200, JSON.stringify(cancel.body));
  t.like(cancel.body.subscription, { id: subscription, cancel_at_period_end: true });
  t.is(sim.state.subscriptionSchedules.get(scheduleId)?.status, 'released');
  t.deepEqual(features(cancel.body), { basic: true, api_calls: 1000 });
  const periodEnd = itemOf(sim.ops.subscription(subscription)).current_period_end;
  t.true((cancel.body.entitlements as EntitlementsBody['entitlements']).every((e) => e.expires_at === new Date(periodEnd * 1000).toISOString()));
  const cancelAgain = await post(`/v1/customers/${userId}/subscription/cancel`, {}, 'cancel-1');
  t.deepEqual(cancelAgain.body.subscription, cancel.body.subscription);
  const resume = await post(`/v1/customers/${userId}/subscription/resume`, {}, 'resume-1');
  t.is(resume.status, 200, JSON.stringify(resume.body));
  t.like(resume.body.subscription, { cancel_at_period_end: false });
  t.true((resume.body.entitlements as EntitlementsBody['entitlements']).every((e) => e.expires_at === null));
  const resumeAgain = await post(`/v1/customers/${userId}/subscription/resume`, {}, 'resume-1');
  t.is(resumeAgain.status, 200, JSON.stringify(resumeAgain.body));
  t.deepEqual(resumeAgain.body.subscription, resume.body.subscription);
  t.false(sim.ops.subscription(subscription).cancel_at_period_end);
  const reused = await post(`/v1/customers/${userId}/subscription/resume`, { subscription: 'sub_another' }, 'resume-1');
  t.is(reused.status, 409);
  t.like(reused.body.error, { code: 'idempotency_conflict' });
  t.is(sim.ops.subscription(subscription).status, 'active', 'a key reused for another request changes nothing');

  // Every event the simulator sent (schedule events included) arrived, was recorded once and finished.
  await entitlementsAfterDelivery(stack, userId, customer);
  const { sent, recorded, unfinished } = await unfinishedEvents(stack);
  t.deepEqual(recorded, sent);
  t.deepEqual(unfinished, []);
});

test('seats change on the simulator within the plan\'s limits, prorated into the next invoice as the preview showed', async (t) => {
  const stack = await setup(t);
  const { sim, post } = stack;
  const userId = 'user_e2e_seats';
  const { customer, subscription } = await sim.driver.checkout({ lookupKey: 'team_monthly', quantity: 3, clientReferenceId: userId });
  t.deepEqual(features(await entitlementsAfterDelivery(stack, userId, customer)), { team: true, seats: 3 });
  sim.advance(5 * day);
  const { current_period_start: start, current_period_end: end } = itemOf(sim.ops.subscription(subscription));
  const at = sim.clock.now();

  const preview = await post(`/v1/customers/${userId}/subscription/preview`, { lookup_key: 'team_monthly', quantity: 5, proration_date: at });
  const prorations = prorate(1500 * 5, start, end, at) - prorate(1500 * 3, start, end, at);
  t.like(preview.body, { applies: 'now', quantity: 5, proration_behavior: 'create_prorations', prorations, amount_due_now: 0 });
  t.like(preview.body.next_invoice, { amount_due: 1500 * 5 + prorations });

  const more = await post(`/v1/customers/${userId}/subscription/change`, { lookup_key: 'team_monthly', quantity: 5, proration_date: at }, 'seats-5');
  t.is(more.status, 200, JSON.stringify(more.body));
  t.deepEqual(features(more.body), { team: true, seats: 5 });
  t.is(itemOf(sim.ops.subscription(subscription)).quantity, 5);
  for (const quantity of [1, 11]) {
    const refused = await post(`/v1/customers/${userId}/subscription/change`, { lookup_key: 'team_monthly', quantity }, `seats-${quantity}`);
    t.is(refused.status, 400);
    t.like(refused.body.error, { code: 'quantity_out_of_range', min: 2, max: 10 });
  }
  t.is(itemOf(sim.ops.subscription(subscription)).quantity, 5, 'a refused change reaches nothing');

  // Fewer seats cost less: a downgrade, so it waits for the period end unless asked now.
  const fewer = await post(`/v1/customers/${userId}/subscription/change`, { lookup_key: 'team_monthly', quantity: 2, apply: 'now', proration_behavior: 'none' }, 'seats-2');
  t.is(fewer.status, 200, JSON.stringify(fewer.body));
  t.deepEqual(features(fewer.body), { team: true, seats: 2 });

  // The renewal bills the new seats and the prorations the first change left pending.
  sim.ops.advanceToPeriodEnd(subscription);
  const renewal = invoicesOf(stack, subscription).find((invoice) => invoice.billing_reason === 'subscription_cycle');
  t.like(renewal, { amount_due: 1500 * 2 + prorations, status: 'paid' });
  t.deepEqual(features(await entitlementsAfterDelivery(stack, userId, customer)), { team: true, seats: 2 });
});
