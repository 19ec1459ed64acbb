import test from 'ava';
import type Stripe from 'stripe';
import { fileURLToPath } from 'node:url';
import { trigger } from '../../tools/cli/commands/trigger.js';
import { createHttpDriver } from '../../tools/stripe-sim/http-driver.js';
import { runScenario, scenarioNames, type ScenarioName } from '../../tools/stripe-sim/scenarios.js';
import { createSimulator } from '../../tools/stripe-sim/server.js';

const seed = fileURLToPath(new URL('../../tools/stripe-sim/seed.json', import.meta.url));

const expectedEvents: Record<ScenarioName, Stripe.Event.Type[]> = {
  'subscription.lifecycle': ['checkout.session.completed', 'invoice.payment_failed', 'charge.refunded', 'customer.subscription.deleted'],
  refund: ['refund.created', 'charge.refunded'],
  dispute: ['charge.dispute.created', 'charge.dispute.closed'],
  'seat-change': ['customer.subscription.updated'],
  trial: ['customer.subscription.trial_will_end'],
  'plan-change': ['subscription_schedule.created', 'subscription_schedule.updated', 'customer.subscription.updated', 'invoice.paid'],
  'trial.no-card': ['customer.subscription.trial_will_end', 'customer.subscription.paused', 'customer.subscription.resumed'],
};

for (const name of scenarioNames) {
  test(`scenario ${name} runs in-process and returns the ids it created`, async (t) => {
    const sim = await createSimulator({ seed });
    t.teardown(() => sim.close());
    const result = await runScenario(name, sim.driver, { userId: 'user_1' });
    t.true(sim.state.customers.has(result.customer));
    t.true(sim.state.subscriptions.has(result.subscription));
    t.true(result.steps.length >= 2);
    const types = new Set(sim.events().map((e) => e.type));
    for (const type of expectedEvents[name]) t.true(types.has(type), `${name} emitted ${type}`);
  });
}

test('the lifecycle scenario over the control API ends canceled and refunds are full then partial', async (t) => {
  const sim = await createSimulator({ seed });
  t.teardown(() => sim.close());
  const driver = createHttpDriver(sim.url);
  const lifecycle = await runScenario('subscription.lifecycle', driver, { lookupKey: 'basic_monthly' });
  t.is(sim.state.subscriptions.get(lifecycle.subscription)?.status, 'canceled');
  const refund = await runScenario('refund', driver, {});
  const charges = [...sim.state.charges.values()].filter((c) => c.customer === refund.customer);
  t.is(charges.length, 1);
  t.true(charges[0].refunded);
  const control = await fetch(`${sim.url}/_sim/scenarios/seat-change`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  const body = (await control.json()) as { subscription: string; steps: string[] };
  t.is(sim.state.subscriptions.get(body.subscription)?.items.data[0]?.quantity, 2);
});

/** What `billing trigger` prints, line by line (console.log is captured while it runs). */
async function printedBy(args: string[]): Promise<string[]> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...parts: unknown[]) => { lines.push(parts.map(String).join(' ')); };
  try {
    await trigger(args);
  } finally {
    console.log = original;
  }
  return lines;
}

test('trigger prints one line per step against a running simulator', async (t) => {
  const sim = await createSimulator({ seed });
  t.teardown(() => sim.close());
  const lines = await printedBy(['dispute', '--sim', sim.url, '--user', 'user_7']);
  t.regex(lines[0] ?? '', /^ 1\. checkout completed: customer cus_/);
  t.regex(lines[1] ?? '', /dispute dp_\w+ opened/);
  t.regex(lines[2] ?? '', /closed: lost/);
  t.regex(lines.at(-1) ?? '', /^done: dispute user=user_7 customer=cus_\w+ subscription=sub_\w+$/);
  const session = [...sim.state.checkoutSessions.values()][0];
  t.is(session?.client_reference_id, 'user_7');
  await t.throwsAsync(trigger(['nope', '--sim', sim.url]), { message: /Unknown scenario 'nope'/ });
});

test.serial('the plan-change scenario over the control API bills the upgrade at once and lands back on the first plan at the period end', async (t) => {
  const sim = await createSimulator({ seed });
  t.teardown(() => sim.close());
  const lines = await printedBy(['plan-change', '--sim', sim.url, '--user', 'user_plans']);
  t.regex(lines[1] ?? '', /^ 2\. 10 days in, upgraded to pro_monthly: invoice in_\w+ charged \d+ usd for the rest of the period$/);
  t.regex(lines[2] ?? '', /downgrade to basic_monthly scheduled by sub_sched_\w+ for /);
  t.regex(lines[3] ?? '', /the schedule switched to basic_monthly, renewed at 900 usd$/);
  const invoices = [...sim.state.invoices.values()].map((invoice) => [invoice.billing_reason, invoice.amount_paid]);
  t.deepEqual(invoices.map(([reason]) => reason), ['subscription_create', 'subscription_update', 'subscription_cycle']);
  t.is(invoices[2]?.[1], 900);
  t.true((invoices[1]?.[1] as number) > 0 && (invoices[1]?.[1] as number) < 2000, 'two thirds of the 2,000 difference, give or take the month length');
});

test('control API errors are Stripe-shaped with useful statuses', async (t) => {
  const sim = await createSimulator({ seed });
  t.teardown(() => sim.close());
  const post = (path: string, body: unknown) => fetch(`${sim.url}/_sim${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const missing = await post('/subscriptions/sub_nope/refund', {});
  t.is(missing.status, 404);
  t.like(await missing.json(), { error: { code: 'resource_missing' } });
  const invalid = await post('/clock/advance', { seconds: -5 });
  t.is(invalid.status, 400);
  const state = await (await fetch(`${sim.url}/_sim/state`)).json() as { prices: Record<string, unknown> };
  t.deepEqual(Object.keys(state.prices).sort(), ['price_basic_monthly', 'price_pro_monthly', 'price_team_monthly']);
});
