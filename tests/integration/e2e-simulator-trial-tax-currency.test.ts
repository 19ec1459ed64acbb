import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import test, { type ExecutionContext } from 'ava';
import nock from 'nock';
import { createKey } from '../../shared/api-keys.js';
import type { StoredEntitlement } from '../../shared/entitlements/stored-entitlement.js';
import { readLogAfter } from '../../shared/notify/change-log.js';
import { createSimulator, type Simulator } from '../../tools/stripe-sim/server.js';
import { webhookSecret } from '../support/config.js';
import { mirrorOf, settled, startPipeline } from '../support/pipeline.js';
import { eventually } from '../support/processes.js';
import type { TestServices } from '../support/services.js';

// Every call stays on this machine: the simulator, the api and the services. No Stripe mocks.
nock.disableNetConnect();
nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);

const seedFile = fileURLToPath(new URL('../../tools/stripe-sim/seed.json', import.meta.url));
const exampleCatalog = fileURLToPath(new URL('../../catalog.example.json', import.meta.url));
const day = 86_400;
const proFeatures = { basic: true, pro: true, api_calls: 10_000 };

interface Stack { sim: Simulator; services: TestServices; readKey: string; checkout: (body: Record<string, unknown>) => Promise<Response> }

async function startStack(t: ExecutionContext, env: Record<string, string>): Promise<Stack> {
  const sim = await createSimulator({ seed: seedFile, apiKey: 'sk_test_123', randomSeed: 11 });
  t.teardown(() => sim.close());
  const services = await startPipeline(t, { STRIPE_API_BASE: sim.url, CATALOG_FILE: exampleCatalog, STRIPE_RATE_LIMIT_PER_SECOND: '1000', ...env });
  sim.webhooks.configure({ url: `${services.url}/webhooks/stripe`, secret: webhookSecret, baseDelayMs: 50 });
  const db = services.api.context.db;
  const { key: readKey } = await createKey(db, { name: 'e2e-reads', scope: 'read' });
  const { key: writeKey } = await createKey(db, { name: 'e2e-checkout', scope: 'write' });
  const checkout = (body: Record<string, unknown>) => fetch(`${services.url}/v1/checkout/sessions`, {
    method: 'POST', headers: { authorization: `Bearer ${writeKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ success_url: 'https://app.example/done', cancel_url: 'https://app.example/billing', ...body }),
  });
  return { sim, services, readKey, checkout };
}

/** The features the read API serves once the simulator's webhooks are delivered and processed. */
async function featuresAfterDelivery({ sim, services, readKey }: Stack, stripeCustomerId: string): Promise<Record<string, unknown>> {
  await sim.idle();
  await settled(services);
  let entitlements: StoredEntitlement[] = [];
  await eventually(async () => {
    const response = await fetch(`${services.url}/v1/customers/${stripeCustomerId}/entitlements`, { headers: { authorization: `Bearer ${readKey}` } });
    entitlements = ((await response.json()) as { entitlements: StoredEntitlement[] }).entitlements;
    return isDeepStrictEqual(entitlements, (await mirrorOf(services, stripeCustomerId))?.features ?? []);
  });
  return Object.fromEntries(entitlements.map((e) => [e.feature, e.value]));
}

const statusInMirror = async (services: TestServices, customer: string): Promise<string[] | undefined> =>
  (await mirrorOf(services, customer))?.subscriptions.map((s: { status: string }) => s.status);
const idOf = (value: string | { id: string } | null): string => (typeof value === 'string' ? value : (value?.id ?? ''));

test('a trial without a card, in euros with tax: trialing gives access, a notice reaches apps, the trial ends paused without access, a card and a resume restore it', async (t) => {
  const stack = await startStack(t, { CHECKOUT_AUTOMATIC_TAX: 'true' });
  const { sim, services } = stack;

  const refused = await stack.checkout({ user_id: 'user_yen', lookup_key: 'pro_monthly', currency: 'JPY' });
  t.is(refused.status, 400);
  t.like(((await refused.json()) as { error: unknown }).error, { code: 'unsupported_currency', param: 'currency', message: 'currency jpy is not offered by lookup_key pro_monthly (it offers usd, eur, gbp)' });

  const started = await stack.checkout({ user_id: 'user_trial', lookup_key: 'pro_monthly', trial_days: 14, payment_method_collection: 'if_required', currency: 'eur' });
  t.is(started.status, 201);
  const { id: sessionId } = (await started.json()) as { id: string };
  const session = sim.ops.completeCheckout(sessionId, null);
  t.like(session, { currency: 'eur', payment_method_collection: 'if_required', billing_address_collection: 'required', automatic_tax: { enabled: true } });
  const customer = idOf(session.customer);
  const subscription = idOf(session.subscription);
  t.like(sim.ops.subscription(subscription), { status: 'trialing', currency: 'eur', automatic_tax: { enabled: true }, trial_settings: { end_behavior: { missing_payment_method: 'pause' } } });
  t.deepEqual(await featuresAfterDelivery(stack, customer), proFeatures, 'a trial without a card gives access');

  sim.advance(11 * day);
  await featuresAfterDelivery(stack, customer);
  const { redis, config } = services.api.context;
  const notices = (await readLogAfter(redis, config.REDIS_PREFIX, '0-0', 1000)).filter((entry) => entry.event.type === 'subscription.trial_will_end');
  t.is(notices.length, 1);
  t.like(notices[0]?.event.data, { subscription, has_payment_method: false, missing_payment_method: 'pause', customer: { stripe_customer_id: customer, user_id: 'user_trial' } });

  await sim.driver.advanceToPeriodEnd(subscription);
  t.is(sim.ops.subscription(subscription).status, 'paused');
  t.true(sim.events().some((event) => event.type === 'customer.subscription.paused'));
  t.deepEqual(await featuresAfterDelivery(stack, customer), {}, 'paused: no access');
  t.deepEqual(await statusInMirror(services, customer), ['paused']);

  await sim.driver.addPaymentMethod(customer);
  await sim.driver.resume(subscription);
  t.deepEqual(await featuresAfterDelivery(stack, customer), proFeatures, 'resumed: access again');
  t.deepEqual(await statusInMirror(services, customer), ['active']);
  const invoice = sim.state.invoices.get(idOf(sim.ops.subscription(subscription).latest_invoice))!;
  t.like(invoice, { status: 'paid', currency: 'eur', subtotal: 2700, total: 3240, amount_paid: 3240 }, 'billed at the euro amount plus 20 % tax');
  t.deepEqual(invoice.total_taxes?.map((tax) => tax.amount), [540]);
  const items = await services.api.context.db('subscription_items').where({ subscription_id: subscription }).select('unit_amount', 'currency');
  t.deepEqual(items.map((item: { unit_amount: string; currency: string }) => [Number(item.unit_amount), item.currency]), [[2700, 'eur']], 'the mirror keeps the euro amount');
});

test('with CHECKOUT_TRIAL_MISSING_PAYMENT_METHOD=cancel a trial that ends without a card is canceled and access ends', async (t) => {
  const stack = await startStack(t, { CHECKOUT_TRIAL_MISSING_PAYMENT_METHOD: 'cancel' });
  const { sim, services } = stack;
  const started = await stack.checkout({ user_id: 'user_cancel', lookup_key: 'basic_monthly', trial_days: 7, payment_method_collection: 'if_required' });
  t.is(started.status, 201);
  const session = sim.ops.completeCheckout(((await started.json()) as { id: string }).id, null);
  const customer = idOf(session.customer);
  const subscription = idOf(session.subscription);
  t.deepEqual(await featuresAfterDelivery(stack, customer), { basic: true, api_calls: 1000 });

  await sim.driver.advanceToPeriodEnd(subscription);
  t.is(sim.ops.subscription(subscription).status, 'canceled');
  t.false(sim.events().some((event) => event.type === 'invoice.created' && event.created > session.created && (event.data.object as { billing_reason?: string }).billing_reason === 'subscription_cycle'), 'no invoice for a trial canceled at its end');
  t.deepEqual(await featuresAfterDelivery(stack, customer), {});
  t.deepEqual(await statusInMirror(services, customer), ['canceled']);
});
