import test from 'ava';
import Stripe from 'stripe';
import { fileURLToPath } from 'node:url';
import { startWebhookReceiver, type ReceiverResponder } from '../../tools/stripe-sim/receiver.js';
import { createSimulator } from '../../tools/stripe-sim/server.js';
import type { WebhookChaos } from '../../tools/stripe-sim/webhooks/delivery.js';

const seed = fileURLToPath(new URL('../../tools/stripe-sim/seed.json', import.meta.url));
const secret = 'whsec_test_simulator';

async function setup(t: { teardown(fn: () => Promise<void>): void }, chaos: WebhookChaos = {}, respond?: ReceiverResponder, randomSeed = 7) {
  const receiver = await startWebhookReceiver(secret, respond);
  const sim = await createSimulator({ seed, randomSeed, webhook: { url: receiver.url, secret, baseDelayMs: 20, maxAttempts: 4, chaos } });
  t.teardown(async () => {
    await sim.close();
    await receiver.close();
  });
  return { sim, receiver, stripe: new Stripe('sk_test_hooks', sim.stripeConfig) };
}

test('every event reaches the endpoint once, signed so constructEvent verifies it', async (t) => {
  const { sim, receiver } = await setup(t);
  sim.ops.checkout({ lookupKey: 'pro_monthly', clientReferenceId: 'u1' });
  await sim.idle();
  const emitted = sim.events();
  t.true(emitted.length >= 10);
  t.deepEqual(receiver.received.map((e) => e.id).sort(), emitted.map((e) => e.id).sort());
  t.is(receiver.rejected, 0);
  t.true(emitted.every((e) => e.pending_webhooks === 1));
  const completed = receiver.received.find((e): e is Stripe.CheckoutSessionCompletedEvent => e.type === 'checkout.session.completed');
  t.is(completed?.data.object.client_reference_id, 'u1');
  t.like(sim.webhooks.stats, { sent: emitted.length, retried: 0, dropped: 0, duplicated: 0, failed: 0 });
});

test('a delivery answered 500 is retried with backoff until it succeeds', async (t) => {
  const started = Date.now();
  const { sim, receiver, stripe } = await setup(t, {}, (_event, delivery) => (delivery <= 2 ? 500 : 200));
  const attempts: number[] = [];
  const unsubscribe = sim.webhooks.onAttempt((record) => attempts.push(record.status ?? 0));
  const customer = await stripe.customers.create({ email: 'retry@example.test' });
  await sim.idle();
  unsubscribe();
  t.deepEqual(attempts, [500, 500, 200], 'each attempt is told to the listener as it ends');
  const [event] = sim.events();
  t.is(receiver.deliveries(event.id), 3);
  t.deepEqual(receiver.received.map((e) => (e.data.object as Stripe.Customer).id), [customer.id]);
  t.like(sim.webhooks.stats, { attempts: 3, retried: 2, sent: 1, failed: 0 });
  t.true(Date.now() - started >= 20 + 40, 'waited for the backoff delays');
  t.deepEqual(sim.webhooks.log.map((r) => r.status), [500, 500, 200]);
  t.true(sim.webhooks.log.every((r, i) => r.at >= started && r.at >= (sim.webhooks.log[i - 1]?.at ?? 0)), 'each attempt carries when it ended');
});

test('a delivery that never succeeds stops after maxAttempts', async (t) => {
  const { sim, receiver, stripe } = await setup(t, {}, () => 503);
  await stripe.customers.create({});
  await sim.idle();
  t.is(receiver.deliveries(sim.events()[0].id), 4);
  t.like(sim.webhooks.stats, { attempts: 4, retried: 3, failed: 1, sent: 0 });
});

test('an unreachable endpoint counts as failed deliveries, not a crash', async (t) => {
  const sim = await createSimulator({ webhook: { url: 'http://127.0.0.1:9/hooks', secret, baseDelayMs: 5, maxAttempts: 2 } });
  t.teardown(() => sim.close());
  await new Stripe('sk_test_x', sim.stripeConfig).customers.create({});
  await sim.idle();
  t.like(sim.webhooks.stats, { attempts: 2, failed: 1 });
  t.truthy(sim.webhooks.log[0]?.error);
});

test('duplicate chaos delivers some events twice with the same id', async (t) => {
  const { sim, receiver } = await setup(t, { duplicatePercent: 50 });
  sim.ops.checkout({ lookupKey: 'pro_monthly' });
  await sim.idle();
  const emitted = sim.events();
  const duplicated = sim.webhooks.stats.duplicated;
  t.true(duplicated > 0 && duplicated < emitted.length, `duplicated ${duplicated} of ${emitted.length}`);
  t.is(receiver.received.length, emitted.length + duplicated);
  t.deepEqual([...new Set(receiver.received.map((e) => e.id))].sort(), emitted.map((e) => e.id).sort());
  t.is(emitted.filter((e) => receiver.deliveries(e.id) === 2).length, duplicated);
});

test('dropped events are never delivered but events.list catch-up finds them', async (t) => {
  const { sim, receiver, stripe } = await setup(t, { dropPercent: 40 });
  sim.ops.checkout({ lookupKey: 'team_monthly', quantity: 2 });
  await sim.idle();
  const dropped = sim.webhooks.stats.dropped;
  t.true(dropped > 0, 'some events were dropped');
  t.is(receiver.received.length, sim.events().length - dropped);
  const seen = new Set(receiver.received.map((e) => e.id));
  const listed = await stripe.events.list({ limit: 100, created: { gte: sim.clock.now() - 60 } }).autoPagingToArray({ limit: 1000 });
  const missed = listed.filter((e) => !seen.has(e.id));
  t.is(missed.length, dropped);
  t.deepEqual([...seen, ...missed.map((e) => e.id)].sort(), sim.events().map((e) => e.id).sort());
});

test('reorder chaos shuffles deliveries within a window, losing none', async (t) => {
  const { sim, receiver } = await setup(t, { reorderWindowMs: 30, reorderBatch: 6 });
  sim.ops.checkout({ lookupKey: 'pro_monthly' });
  await sim.idle();
  const emitted = sim.events().map((e) => e.id);
  const arrived = receiver.received.map((e) => e.id);
  t.deepEqual([...arrived].sort(), [...emitted].sort());
  t.notDeepEqual(arrived, emitted);
});

test('the same random seed makes the same chaos decisions', async (t) => {
  const run = async (): Promise<number[]> => {
    const { sim } = await setup(t, { dropPercent: 30, duplicatePercent: 30 }, undefined, 99);
    sim.ops.checkout({ lookupKey: 'pro_monthly' });
    await sim.idle();
    return [sim.webhooks.stats.dropped, sim.webhooks.stats.duplicated];
  };
  t.deepEqual(await run(), await run());
});

test('webhooks and chaos can be configured and awaited through the control API', async (t) => {
  const receiver = await startWebhookReceiver(secret);
  const sim = await createSimulator({ seed });
  t.teardown(async () => {
    await sim.close();
    await receiver.close();
  });
  const post = (path: string, body: unknown) => fetch(`${sim.url}/_sim${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  t.is((await post('/webhooks', { url: receiver.url, secret, baseDelayMs: 10 })).status, 200);
  t.is((await post('/webhooks/chaos', { duplicatePercent: 100 })).status, 200);
  t.is((await post('/scenarios/refund', {})).status, 200);
  const idle = await post('/webhooks/idle', { timeoutMs: 10_000 });
  t.is(idle.status, 200);
  const { stats } = (await idle.json()) as { stats: { sent: number; duplicated: number } };
  const emitted = sim.events().length;
  t.is(stats.duplicated, emitted);
  t.is(stats.sent, emitted * 2);
  t.is(receiver.received.length, emitted * 2);
  const status = (await (await fetch(`${sim.url}/_sim/webhooks`)).json()) as { url: string; log: unknown[] };
  t.is(status.url, receiver.url);
  t.is(status.log.length, emitted * 2);
});
