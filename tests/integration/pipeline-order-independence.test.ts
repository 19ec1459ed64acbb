import test from 'ava';
import fc from 'fast-check';
import { settled, mirrorOf, startPipeline } from '../support/pipeline.js';
import { StripeState, uid, useStripeState, type Json } from '../support/stripe-state.js';
import { deliver, makeEvent } from '../support/webhooks.js';

/**
 * One customer's life as Stripe reports it: 50 events. Stripe's current state (what the workers
 * fetch) is the end of that life; events are hints, so every delivery order must converge to it.
 */
function lifecycle() {
  const stripe = new StripeState();
  const userId = uid('user');
  const customer = stripe.customer(uid('cus'), { metadata: { user_id: userId } });
  const team = stripe.subscription(customer, { items: [{ price: uid('price'), product: 'prod_team', quantity: 7 }] });
  const pro = stripe.subscription(customer, { items: [{ price: uid('price'), product: 'prod_pro', lookupKey: 'pro_monthly' }] });
  const old = stripe.subscription(customer, { status: 'canceled', items: [{ price: uid('price'), product: 'prod_basic', lookupKey: 'basic_monthly' }] });
  const sub = (id: string) => stripe.subscriptions.get(id) as Json;
  const events: Json[] = [
    makeEvent('customer.created', stripe.customers.get(customer) as Json),
    makeEvent('checkout.session.completed', stripe.checkoutSession(customer, { client_reference_id: userId })),
  ];
  const types = ['customer.subscription.created', 'customer.subscription.updated', 'invoice.paid', 'invoice.payment_succeeded', 'invoice.payment_failed',
    'customer.subscription.updated', 'invoice.payment_action_required', 'customer.updated', 'customer.subscription.trial_will_end', 'charge.refunded'];
  for (let index = 0; events.length < 49; index += 1) {
    const type = types[index % types.length];
    const target = [team, pro, old][index % 3];
    const object = type.startsWith('invoice.') ? { id: uid('in'), object: 'invoice', customer, status: 'paid' }
      : type.startsWith('charge.') ? { id: uid('ch'), object: 'charge', customer, refunded: false }
        : type === 'customer.updated' ? (stripe.customers.get(customer) as Json) : { ...sub(target), status: index % 2 ? 'past_due' : 'active' };
    events.push(makeEvent(type, object, { created: 1_700_000_000 + index }));
  }
  events.push(makeEvent('customer.subscription.deleted', { ...sub(old) }));
  return { stripe, customer, userId, events };
}

const expectedFeatures = (team: true, seats: number) => [
  { feature: 'api_calls', value: 10000 },
  { feature: 'basic', value: true },
  { feature: 'pro', value: true },
  { feature: 'seats', value: seats },
  { feature: 'team', value: team },
];

const orders: Record<string, (events: Json[]) => Json[]> = {
  'in order': (events) => events,
  reversed: (events) => [...events].reverse(),
  'shuffled (seed 1)': (events) => fc.sample(fc.shuffledSubarray(events, { minLength: events.length }), { numRuns: 1, seed: 1 })[0],
  'shuffled (seed 2)': (events) => fc.sample(fc.shuffledSubarray(events, { minLength: events.length }), { numRuns: 1, seed: 2 })[0],
  'shuffled (seed 3)': (events) => fc.sample(fc.shuffledSubarray(events, { minLength: events.length }), { numRuns: 1, seed: 3 })[0],
  'every event 3 times, interleaved': (events) => [...events, ...[...events].reverse(), ...events],
};

const results = new Map<string, unknown>();

for (const [name, order] of Object.entries(orders)) {
  test.serial(`a 50-event lifecycle delivered ${name} converges to Stripe's state`, async (t) => {
    const { stripe, customer, userId, events } = lifecycle();
    t.is(events.length, 50);
    t.teardown(useStripeState(stripe));
    const services = await startPipeline(t);
    // Parallel deliveries in small bursts, as Stripe does.
    const delivered = order(events);
    for (let start = 0; start < delivered.length; start += 10) {
      const responses = await Promise.all(delivered.slice(start, start + 10).map((event) => deliver(services.url, event)));
      for (const response of responses) t.is(response.status, 200);
    }
    await settled(services);
    const mirror = await mirrorOf(services, customer);
    t.truthy(mirror);
    t.deepEqual(mirror!.customer, { stripe_customer_id: customer, user_id: userId, deleted: false });
    t.deepEqual(mirror!.subscriptions.map((sub: { status: string }) => sub.status).sort(), ['active', 'active', 'canceled']);
    const features = (mirror!.features as { feature: string; value: unknown }[]).map(({ feature, value }) => ({ feature, value }));
    t.deepEqual(features, expectedFeatures(true, 7));
    const { count } = (await services.api.context.db('stripe_events').count({ count: '*' }).first())!;
    t.is(count, 50, 'each event recorded once however often it was delivered');
    // Principle 2: a burst of events for one customer costs a few syncs, not one per event.
    const syncs = stripe.syncs(customer);
    t.true(syncs <= 25, `${syncs} customer fetches for ${delivered.length} deliveries`);
    // Same mirror whatever the order (ids differ per run, so compare the shape without ids).
    results.set(name, { ...mirror, customer: { ...mirror!.customer, stripe_customer_id: 'x', user_id: 'x' }, subscriptions: mirror!.subscriptions.map(({ id: _id, ...rest }: Json) => JSON.stringify(rest)).sort(), items: mirror!.items.map(({ id: _id, price_id: _p, ...rest }: Json) => JSON.stringify(rest)).sort(), features });
    const first = results.values().next().value;
    t.deepEqual(results.get(name), first);
  });
}
