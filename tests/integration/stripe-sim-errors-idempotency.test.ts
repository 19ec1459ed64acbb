import test from 'ava';
import Stripe from 'stripe';
import { fileURLToPath } from 'node:url';
import { createSimulator, type SimulatorOptions } from '../../tools/stripe-sim/server.js';

/** The id of an expandable field, expanded or not. */
const idOf = (value: string | { id: string } | null | undefined): string => (typeof value === 'string' ? value : (value?.id ?? ''));
const seed = fileURLToPath(new URL('../../tools/stripe-sim/seed.json', import.meta.url));

async function start(options: SimulatorOptions = {}) {
  const sim = await createSimulator({ seed, ...options });
  return { sim, stripe: new Stripe('sk_test_errors', sim.stripeConfig) };
}

test('unknown ids surface as StripeInvalidRequestError 404 resource_missing', async (t) => {
  const { sim, stripe } = await start();
  t.teardown(() => sim.close());
  const error = await t.throwsAsync(stripe.subscriptions.retrieve('sub_nope'), { instanceOf: Stripe.errors.StripeInvalidRequestError });
  t.is(error.statusCode, 404);
  t.is(error.code, 'resource_missing');
  t.is(error.message, "No such subscription: 'sub_nope'");
  t.is(error.param, 'id');
  const price = await t.throwsAsync(stripe.subscriptions.create({ customer: (await stripe.customers.create({})).id, items: [{ price: 'price_nope' }] }), { instanceOf: Stripe.errors.StripeInvalidRequestError });
  t.is(price.param, 'items[0][price]');
});

test('missing parameters are 400 parameter_missing and unknown URLs 404', async (t) => {
  const { sim, stripe } = await start();
  t.teardown(() => sim.close());
  const error = await t.throwsAsync(stripe.products.create({} as Stripe.ProductCreateParams), { instanceOf: Stripe.errors.StripeInvalidRequestError });
  t.is(error.statusCode, 400);
  t.is(error.code, 'parameter_missing');
  t.is(error.param, 'name');
  const response = await fetch(`${sim.url}/v1/nothing_here`, { headers: { authorization: 'Bearer sk_test_x' } });
  t.is(response.status, 404);
  t.regex(((await response.json()) as { error: { message: string } }).error.message, /Unrecognized request URL/);
});

test('requests without a valid secret key are StripeAuthenticationError 401', async (t) => {
  const { sim } = await start({ apiKey: 'sk_test_right' });
  t.teardown(() => sim.close());
  const wrong = new Stripe('sk_test_wrong', sim.stripeConfig);
  const error = await t.throwsAsync(wrong.customers.list(), { instanceOf: Stripe.errors.StripeAuthenticationError });
  t.is(error.statusCode, 401);
  const anonymous = await fetch(`${sim.url}/v1/customers`);
  t.is(anonymous.status, 401);
  t.is(((await anonymous.json()) as { error: { type: string } }).error.type, 'authentication_error');
});

test('an idempotency key replays the first response and rejects other parameters', async (t) => {
  const { sim, stripe } = await start();
  t.teardown(() => sim.close());
  const first = await stripe.customers.create({ email: 'idem@example.test' }, { idempotencyKey: 'key-1' });
  const again = await stripe.customers.create({ email: 'idem@example.test' }, { idempotencyKey: 'key-1' });
  t.is(again.id, first.id);
  t.is(again.lastResponse.headers['idempotent-replayed'], 'true');
  t.is((await stripe.customers.list()).data.length, 1);
  t.is(sim.events().length, 1);
  const error = await t.throwsAsync(stripe.customers.create({ email: 'other@example.test' }, { idempotencyKey: 'key-1' }), { instanceOf: Stripe.errors.StripeIdempotencyError });
  t.is(error.statusCode, 400);
  t.is(sim.events()[0]?.request?.idempotency_key, 'key-1');
});

test('a declined invoice payment is a StripeCardError 402 and the invoice stays open', async (t) => {
  const { sim, stripe } = await start();
  t.teardown(() => sim.close());
  const { customer, subscription } = sim.ops.checkout({ lookupKey: 'basic_monthly' });
  sim.ops.setPaymentOutcome(customer, 'fail');
  sim.ops.advanceToPeriodEnd(subscription);
  const current = await stripe.subscriptions.retrieve(subscription);
  t.is(current.status, 'past_due');
  const invoice = idOf(current.latest_invoice);
  const error = await t.throwsAsync(stripe.invoices.pay(invoice), { instanceOf: Stripe.errors.StripeCardError });
  t.is(error.statusCode, 402);
  t.is(error.code, 'card_declined');
  t.is((await stripe.invoices.retrieve(invoice)).status, 'open');
  sim.ops.setPaymentOutcome(customer, 'succeed');
  t.is((await stripe.invoices.pay(invoice)).status, 'paid');
  t.is((await stripe.subscriptions.retrieve(subscription)).status, 'active');
});
