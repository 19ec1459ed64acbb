import { readFileSync } from 'node:fs';
import test from 'ava';
import nock from 'nock';
import { createKey } from '../../shared/api-keys.js';
import { runScenario } from '../../tools/stripe-sim/scenarios.js';
import { mirrorOf, settled } from '../support/pipeline.js';
import { entitlementsAfterDelivery, exampleCatalog, seedFile, startSimulatorStack as startStack, unfinishedEvents, type EntitlementsBody } from '../support/simulator-stack.js';
import type { TestServices } from '../support/services.js';

// Every call stays on this machine: the simulator, the api and the services. No Stripe mocks.
nock.disableNetConnect();
nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);

const hour = 3_600_000;

const features = (body: EntitlementsBody) => Object.fromEntries(body.entitlements.map((e) => [e.feature, e.value]));
const expiries = (body: EntitlementsBody) => new Set(body.entitlements.map((e) => e.expires_at));
const proFeatures = { basic: true, pro: true, api_calls: 10_000 };

/** The customer's mirrored subscriptions, whole: an extra or missing row fails the comparison. */
async function mirroredSubscriptions(services: TestServices, stripeCustomerId: string) {
  return (await mirrorOf(services, stripeCustomerId))?.subscriptions.map(({ id, status, cancel_at_period_end }) => ({ id, status, cancel_at_period_end }));
}

test('a subscription played on the simulator is entitled when active, within grace when past due, again when recovered, and not once canceled', async (t) => {
  const stack = await startStack(t);
  const { sim, services } = stack;
  const userId = 'user_e2e_lifecycle';

  // 1. Checkout: the webhooks create the customer, its subscription and its entitlements.
  const { customer, subscription } = await sim.driver.checkout({ lookupKey: 'pro_monthly', clientReferenceId: userId, email: 'e2e@example.test' });
  const active = await entitlementsAfterDelivery(stack, userId, customer);
  t.is(active.customer?.stripe_customer_id, customer);
  t.is(active.customer?.user_id, userId);
  t.deepEqual(features(active), proFeatures);
  t.deepEqual(expiries(active), new Set([null]));
  t.deepEqual(await mirroredSubscriptions(services, customer), [{ id: subscription, status: 'active', cancel_at_period_end: false }]);

  // 2. The renewal payment fails: past_due keeps access, but only until the grace period ends.
  await sim.driver.setPaymentOutcome(customer, 'fail');
  const beforeFailure = Date.now();
  await sim.driver.advanceToPeriodEnd(subscription);
  t.is((await sim.driver.subscription(subscription)).status, 'past_due');
  const pastDue = await entitlementsAfterDelivery(stack, userId, customer);
  t.deepEqual(features(pastDue), proFeatures);
  const [graceEnd] = [...expiries(pastDue)];
  t.is(expiries(pastDue).size, 1);
  const graceEndMs = Date.parse(graceEnd ?? '');
  t.true(graceEndMs >= beforeFailure + 72 * hour - 1000 && graceEndMs <= Date.now() + 72 * hour, `grace ends 72 h after the failure was seen (${graceEnd})`);
  t.deepEqual(await mirroredSubscriptions(services, customer), [{ id: subscription, status: 'past_due', cancel_at_period_end: false }]);

  // 3. The invoice is paid: active again, with no expiry.
  await sim.driver.setPaymentOutcome(customer, 'succeed');
  await sim.driver.payLatestInvoice(subscription);
  const recovered = await entitlementsAfterDelivery(stack, customer, customer);
  t.deepEqual(features(recovered), proFeatures);
  t.deepEqual(expiries(recovered), new Set([null]));
  t.deepEqual(await mirroredSubscriptions(services, customer), [{ id: subscription, status: 'active', cancel_at_period_end: false }]);

  // 4. Cancel at period end: still entitled, until the item's current period ends.
  const canceling = await sim.driver.cancelAtPeriodEnd(subscription);
  const periodEnd = canceling.items.data[0]?.current_period_end ?? 0;
  const ending = await entitlementsAfterDelivery(stack, userId, customer);
  t.deepEqual(features(ending), proFeatures);
  t.deepEqual(expiries(ending), new Set([new Date(periodEnd * 1000).toISOString()]));
  t.deepEqual(await mirroredSubscriptions(services, customer), [{ id: subscription, status: 'active', cancel_at_period_end: true }]);

  // 5. The period ends: Stripe deletes the subscription and every entitlement is gone.
  await sim.driver.advanceToPeriodEnd(subscription);
  t.is((await sim.driver.subscription(subscription)).status, 'canceled');
  const canceled = await entitlementsAfterDelivery(stack, userId, customer);
  t.is(canceled.customer?.stripe_customer_id, customer);
  t.deepEqual(canceled.entitlements, []);
  t.deepEqual(await mirroredSubscriptions(services, customer), [{ id: subscription, status: 'canceled', cancel_at_period_end: true }]);
  t.deepEqual((await mirrorOf(services, customer))?.features, []);

  // Every event the simulator sent arrived signed, was accepted once and finished.
  const { sent, recorded, unfinished } = await unfinishedEvents(stack);
  t.deepEqual(recorded, sent);
  t.deepEqual(unfinished, []);
  t.is(sim.webhooks.stats.failed, 0);
});

test('the example catalog names only products and lookup keys the simulator seeds', (t) => {
  const seed = JSON.parse(readFileSync(seedFile, 'utf8')) as { products: { id: string }[]; prices: { id: string; lookup_key?: string }[] };
  const catalog = JSON.parse(readFileSync(exampleCatalog, 'utf8')) as { plans: { match: { lookup_key?: string; product?: string; price?: string } }[] };
  const products = new Set(seed.products.map((p) => p.id));
  const prices = new Set(seed.prices.map((p) => p.id));
  const lookupKeys = new Set(seed.prices.map((p) => p.lookup_key));
  t.true(catalog.plans.length > 0);
  for (const { match } of catalog.plans) {
    if (match.lookup_key !== undefined) t.true(lookupKeys.has(match.lookup_key), `lookup key ${match.lookup_key} is seeded`);
    if (match.product !== undefined) t.true(products.has(match.product), `product ${match.product} is seeded`);
    if (match.price !== undefined) t.true(prices.has(match.price), `price ${match.price} is seeded`);
  }
});

test('the demo scenario leaves a customer whose console timeline tells its story: subscribed, renewed, past due, recovered, refunded, canceled', async (t) => {
  const stack = await startStack(t);
  const { sim, services } = stack;
  const userId = 'user_e2e_story';
  // Step by step, as the demo plays it: each step's webhooks are delivered and finished before the next.
  const steps: string[] = [];
  const gate = { pending: Promise.resolve() };
  const paced = Object.fromEntries(Object.entries(sim.driver).map(([name, method]) => [name, async (...args: unknown[]) => {
    await gate.pending;
    return (method as (...parameters: unknown[]) => Promise<unknown>)(...args);
  }])) as unknown as typeof sim.driver;
  const result = await runScenario('subscription.lifecycle', paced, { userId }, (line) => {
    steps.push(line);
    gate.pending = gate.pending.then(async () => {
      await sim.idle();
      await settled(services);
    });
  });
  await gate.pending;
  t.deepEqual(steps.map((line) => line.split(/[:(]/)[0]), ['checkout completed', 'renewed', 'renewal payment failed', 'recovered', 'refunded', 'cancel at period end requested ', 'period ended']);

  const { key } = await createKey(services.api.context.db, { name: 'e2e-console', scope: 'admin' });
  const page = await fetch(`${services.url}/admin/console/customers/${userId}`, { headers: { authorization: `Bearer ${key}` } });
  t.is(page.status, 200);
  const rows = [...(await page.text()).matchAll(/<tr>\s*<td><time[^>]*>[^<]*<\/time><\/td><td><span class="badge[^"]*">(\w+)<\/span><\/td><td>([^<]*)<\/td>/g)]
    .map((match) => `${match[1]}: ${match[2]}`).reverse();
  const story = rows.join('\n');
  // Oldest first, the milestones in order (other rows may fall between them).
  const milestones = [
    /event: checkout\.session\.completed · processed/, /entitlement: entitlements: \+api_calls 10000 \+basic \+pro/,
    /event: invoice\.paid · processed/, /event: invoice\.payment_failed · processed/, /entitlement: entitlements: api_calls basic pro until \d{4}-\d\d-\d\d \d\d:\d\d UTC/,
    /event: invoice\.paid · processed/, /entitlement: entitlements: api_calls basic pro no longer expire/,
    // The refund and the access it takes, in either order: the first sync to see the refunded
    // invoice removes access, and that may be one started by another of the refund's events
    // before charge.refunded itself is received.
    [/event: charge\.refunded · processed/, /entitlement: entitlements: −api_calls −basic −pro/], /event: customer\.subscription\.deleted · processed/,
    /subscription: mirror synced: canceled, latest invoice refunded/,
  ];
  let from = 0;
  for (const milestone of milestones) {
    const together = Array.isArray(milestone) ? milestone : [milestone];
    const found = together.map((pattern) => rows.findIndex((row, index) => index >= from && pattern.test(row)));
    together.forEach((pattern, i) => t.true((found[i] ?? -1) >= 0, `${String(pattern)} after row ${from} in:\n${story}`));
    from = Math.max(...found) + 1;
  }
  t.true(rows.filter((row) => /event: invoice\.paid/.test(row)).length >= 3, `the first invoice, the renewal and the recovery are paid:\n${story}`);
  t.truthy(result.customer);
});
