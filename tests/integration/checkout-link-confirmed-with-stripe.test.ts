import test from 'ava';
import { settled, startPipeline } from '../support/pipeline.js';
import { StripeState, uid, useStripeState } from '../support/stripe-state.js';
import { deliver, makeEvent } from '../support/webhooks.js';

/**
 * A signed `checkout.session.completed` is only as trustworthy as the signing secret: the link from
 * an app user to a Stripe customer is made from the session as Stripe has it, never from the payload.
 */

test('a forged session (unknown to Stripe) links nothing and its event is dead', async (t) => {
  const stripe = new StripeState();
  t.teardown(useStripeState(stripe));
  const services = await startPipeline(t);
  const { db } = services.api.context;
  const victim = stripe.customer(uid('cus'));
  await db('customers').insert({ stripe_customer_id: victim });
  const forged = makeEvent('checkout.session.completed', { id: uid('cs'), object: 'checkout.session', customer: victim, status: 'complete', mode: 'subscription', client_reference_id: 'user_attacker', metadata: {} });
  t.is((await deliver(services.url, forged)).status, 200);
  await settled(services);
  t.is((await db('customers').where({ stripe_customer_id: victim }).first())?.user_id, null, 'the attacker is not linked to the customer');
  t.is(await db('customers').where({ user_id: 'user_attacker' }).first(), undefined);
  t.like(await db('stripe_events').where({ id: forged.id }).first(), { status: 'dead' });
});

test('an altered payload is overruled by the session Stripe returns', async (t) => {
  const stripe = new StripeState();
  t.teardown(useStripeState(stripe));
  const services = await startPipeline(t);
  const { db } = services.api.context;
  const customer = stripe.customer(uid('cus'));
  const real = stripe.checkoutSession(customer, { client_reference_id: 'user_real' });
  const altered = makeEvent('checkout.session.completed', { ...real, client_reference_id: 'user_attacker' });
  t.is((await deliver(services.url, altered)).status, 200);
  await settled(services);
  t.is((await db('customers').where({ stripe_customer_id: customer }).first())?.user_id, 'user_real');
  t.is(await db('customers').where({ user_id: 'user_attacker' }).first(), undefined);
});

test('a session that is not complete links nothing', async (t) => {
  const stripe = new StripeState();
  t.teardown(useStripeState(stripe));
  const services = await startPipeline(t);
  const { db } = services.api.context;
  const customer = stripe.customer(uid('cus'));
  const open = stripe.checkoutSession(customer, { client_reference_id: 'user_open', status: 'open' });
  const event = makeEvent('checkout.session.completed', { ...open, status: 'complete' });
  t.is((await deliver(services.url, event)).status, 200);
  await settled(services);
  t.is(await db('customers').where({ user_id: 'user_open' }).first(), undefined);
  t.like(await db('stripe_events').where({ id: event.id }).first(), { status: 'dead' });
});
