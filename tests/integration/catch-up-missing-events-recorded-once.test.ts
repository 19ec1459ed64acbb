import test from 'ava';
import { mirrorOf, settled, startPipeline } from '../support/pipeline.js';
import { ListingStripeState } from '../support/stripe-lists.js';
import { uid, useStripeState } from '../support/stripe-state.js';
import { deliver } from '../support/webhooks.js';
import { catchUpEvents, catchUpOverlapSeconds } from '../../workers/reconcile/catch-up.js';

test.serial('catch-up feeds the events the inbox never received through it, once, and advances its cursor', async (t) => {
  const stripe = new ListingStripeState();
  t.teardown(useStripeState(stripe));
  const now = Math.floor(Date.now() / 1000);
  const delivered = stripe.customer(uid('cus'), { metadata: { user_id: uid('user') } });
  const missed = stripe.customer(uid('cus'), { metadata: { user_id: uid('user') } });
  const pro = () => [{ price: uid('price'), product: 'prod_pro', lookupKey: 'pro_monthly' }];
  const deliveredEvent = stripe.event('customer.subscription.created', stripe.subscriptions.get(stripe.subscription(delivered, { items: pro() }))!, { created: now - 3600 });
  // 130 events Stripe has that nobody delivered: one the service acts on, 129 it ignores (two pages).
  const missedEvent = stripe.event('customer.subscription.created', stripe.subscriptions.get(stripe.subscription(missed, { items: pro() }))!, { created: now - 1800 });
  for (let index = 0; index < 129; index += 1) stripe.event('invoice.upcoming', { id: uid('in'), object: 'invoice', customer: missed }, { created: now - 1000 + index });
  // Older than Stripe's 30 days of events: never asked for.
  stripe.event('customer.subscription.created', { id: uid('sub'), object: 'subscription', customer: missed }, { created: now - 31 * 86_400 });

  const services = await startPipeline(t, { STRIPE_RATE_LIMIT_PER_SECOND: '1000' });
  t.is((await deliver(services.url, deliveredEvent)).status, 200);
  await settled(services);
  const db = services.api.context.db;

  const first = await catchUpEvents(services.worker!.context);
  t.like(first, { status: 'done', listed: 131, recorded: 130 });
  await settled(services);
  t.is((await db('stripe_events').count({ n: '*' }).first())!.n, 131);
  t.is((await db('stripe_events').where({ id: missedEvent.id }).first()).status, 'processed');
  t.is((await db('stripe_events').where({ status: 'ignored' }).count({ n: '*' }).first())!.n, 129);
  t.deepEqual((await mirrorOf(services, missed))?.subscriptions.map((sub: { status: string }) => sub.status), ['active']);
  const newest = now - 1000 + 128;
  t.deepEqual((await db('sync_cursors').where({ name: 'events-catch-up' }).first()).value, { created: newest - catchUpOverlapSeconds });

  // Again, with one more missed event: only events from the cursor on are listed, nothing twice.
  const late = stripe.event('customer.updated', stripe.customers.get(missed)!, { created: now });
  const second = await catchUpEvents(services.worker!.context);
  t.like(second, { status: 'done', recorded: 1 });
  t.true(stripe.listCalls.at(-1)!.includes(`created%5Bgte%5D=${newest - catchUpOverlapSeconds}`) || stripe.listCalls.at(-1)!.includes(`created[gte]=${newest - catchUpOverlapSeconds}`), stripe.listCalls.at(-1));
  await settled(services);
  t.is((await db('stripe_events').count({ n: '*' }).first())!.n, 132);
  t.is((await db('stripe_events').where({ id: late.id }).first()).status, 'processed');
  t.is((await db('sync_cursors').where({ name: 'events-catch-up' }).first()).value.created, now - catchUpOverlapSeconds);
});
