import test from 'ava';
import Stripe from 'stripe';
import { fileURLToPath } from 'node:url';
import { closeStripe, createStripe } from '../../shared/infra/stripe.js';
import { createSimulator, type Simulator } from '../../tools/stripe-sim/server.js';

/** The id of an expandable field, expanded or not. */
const idOf = (value: string | { id: string } | null | undefined): string => (typeof value === 'string' ? value : (value?.id ?? ''));
const seed = fileURLToPath(new URL('../../tools/stripe-sim/seed.json', import.meta.url));

async function start(): Promise<{ sim: Simulator; stripe: Stripe }> {
  const sim = await createSimulator({ seed, clockStart: 1_800_000_000 });
  return { sim, stripe: new Stripe('sk_test_roundtrip', sim.stripeConfig) };
}

test('customers are created, retrieved, updated, listed by email and deleted', async (t) => {
  const { sim, stripe } = await start();
  t.teardown(() => sim.close());
  const created = await stripe.customers.create({ email: 'ada@example.test', name: 'Ada', metadata: { user_id: 'u1' } });
  t.regex(created.id, /^cus_/);
  t.is(created.created, 1_800_000_000);
  const updated = await stripe.customers.update(created.id, { name: 'Ada L.', metadata: { plan: 'x', user_id: '' } });
  t.is(updated.name, 'Ada L.');
  t.deepEqual(updated.metadata, { plan: 'x' });
  await stripe.customers.create({ email: 'other@example.test' });
  const byEmail = await stripe.customers.list({ email: 'ada@example.test' });
  t.deepEqual(byEmail.data.map((c) => c.id), [created.id]);
  const retrieved = await stripe.customers.retrieve(created.id);
  t.is(retrieved.deleted, undefined);
  const deleted = await stripe.customers.del(created.id);
  t.true(deleted.deleted);
  t.true((await stripe.customers.retrieve(created.id)).deleted);
  const types = sim.events().map((e) => e.type);
  t.deepEqual(types, ['customer.created', 'customer.updated', 'customer.created', 'customer.deleted']);
  const updatedEvent = sim.events()[1] as Stripe.CustomerUpdatedEvent;
  t.deepEqual(updatedEvent.data.previous_attributes?.metadata, { user_id: 'u1' });
});

test('prices are found by lookup key and products and prices emit catalog events', async (t) => {
  const { sim, stripe } = await start();
  t.teardown(() => sim.close());
  const seeded = await stripe.prices.list({ lookup_keys: ['pro_monthly', 'team_monthly'] });
  t.deepEqual(seeded.data.map((p) => p.lookup_key).sort(), ['pro_monthly', 'team_monthly']);
  const product = await stripe.products.create({ name: 'Enterprise' });
  const price = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 9900, recurring: { interval: 'month' }, lookup_key: 'enterprise' });
  t.is(price.recurring?.interval, 'month');
  t.is(price.type, 'recurring');
  await stripe.products.update(product.id, { name: 'Enterprise+' });
  const moved = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 12900, recurring: { interval: 'month' }, lookup_key: 'enterprise', transfer_lookup_key: true });
  const found = await stripe.prices.list({ lookup_keys: ['enterprise'] });
  t.deepEqual(found.data.map((p) => p.id), [moved.id]);
  await t.throwsAsync(stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 1, lookup_key: 'enterprise' }), { instanceOf: Stripe.errors.StripeInvalidRequestError });
  const events = sim.events();
  t.deepEqual(events.map((e) => e.type), ['product.created', 'price.created', 'product.updated', 'price.updated', 'price.created']);
  t.deepEqual((events[2] as Stripe.ProductUpdatedEvent).data.previous_attributes?.name, 'Enterprise');
});

test('a subscription bills an invoice whose payment leads to its charge, with expansions', async (t) => {
  const { sim, stripe } = await start();
  t.teardown(() => sim.close());
  const customer = await stripe.customers.create({ email: 'b@example.test' });
  const subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: 'price_team_monthly', quantity: 3 }] });
  t.is(subscription.status, 'active');
  const item = subscription.items.data[0];
  t.is(item.quantity, 3);
  t.is(item.current_period_start, 1_800_000_000);
  t.true(item.current_period_end > item.current_period_start + 27 * 86_400);

  const expanded = await stripe.subscriptions.retrieve(subscription.id, { expand: ['latest_invoice.payments', 'customer'] });
  const invoice = expanded.latest_invoice as Stripe.Invoice;
  t.is(invoice.status, 'paid');
  t.is(invoice.amount_paid, 4500);
  t.is(invoice.parent?.subscription_details?.subscription, subscription.id);
  t.is((expanded.customer as Stripe.Customer).email, 'b@example.test');
  const payment = invoice.payments?.data[0];
  t.is(payment?.status, 'paid');
  const intent = await stripe.paymentIntents.retrieve(idOf(payment?.payment.payment_intent));
  const charge = await stripe.charges.retrieve(idOf(intent.latest_charge));
  t.is(charge.amount, 4500);
  t.is(charge.payment_intent, intent.id);
  const byIntent = await stripe.invoicePayments.list({ payment: { type: 'payment_intent', payment_intent: intent.id } });
  t.is(byIntent.data[0]?.invoice, invoice.id);

  const listed = await stripe.subscriptions.list({ customer: customer.id, status: 'all', expand: ['data.items.data.price'] });
  t.deepEqual(listed.data.map((s) => s.id), [subscription.id]);
  const invoices = await stripe.invoices.list({ customer: customer.id, subscription: subscription.id });
  t.deepEqual(invoices.data.map((i) => i.id), [invoice.id]);

  const seats = await stripe.subscriptions.update(subscription.id, { items: [{ id: item.id, quantity: 5 }] });
  t.is(seats.items.data[0]?.quantity, 5);
  const canceling = await stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true });
  t.true(canceling.cancel_at_period_end);
  t.is(canceling.cancel_at, item.current_period_end);
  const canceled = await stripe.subscriptions.cancel(subscription.id);
  t.is(canceled.status, 'canceled');
  t.deepEqual((await stripe.subscriptions.list({ customer: customer.id })).data, []);
  const updates = sim.events().filter((e): e is Stripe.CustomerSubscriptionUpdatedEvent => e.type === 'customer.subscription.updated');
  t.deepEqual(updates.map((e) => Object.keys(e.data.previous_attributes ?? {}).sort()), [
    ['status'],
    ['items'],
    ['cancel_at', 'cancel_at_period_end', 'canceled_at', 'cancellation_details'],
  ]);
  t.is(sim.events().at(-2)?.type, 'customer.subscription.deleted');
});

test('refunds and disputes update the charge and emit their events', async (t) => {
  const { sim, stripe } = await start();
  t.teardown(() => sim.close());
  const { subscription } = sim.ops.checkout({ lookupKey: 'pro_monthly', clientReferenceId: 'u9' });
  const charge = (await stripe.charges.list({ limit: 1 })).data[0];
  const partial = await stripe.refunds.create({ charge: charge.id, amount: 900 });
  t.is(partial.amount, 900);
  const afterPartial = await stripe.charges.retrieve(charge.id);
  t.is(afterPartial.amount_refunded, 900);
  t.false(afterPartial.refunded);
  const rest = await stripe.refunds.create({ payment_intent: idOf(charge.payment_intent) });
  t.is(rest.amount, 2000);
  t.true((await stripe.charges.retrieve(charge.id)).refunded);
  await t.throwsAsync(stripe.refunds.create({ charge: charge.id }), { instanceOf: Stripe.errors.StripeInvalidRequestError, message: /already been refunded/ });
  t.deepEqual((await stripe.refunds.list({ charge: charge.id })).data.map((r) => r.id), [rest.id, partial.id]);

  const dispute = sim.ops.disputeLatestCharge(subscription);
  const closed = await stripe.disputes.close(dispute.id);
  t.is(closed.status, 'lost');
  const types = sim.events().map((e) => e.type);
  t.deepEqual(types.slice(-6), ['refund.created', 'charge.refunded', 'refund.created', 'charge.refunded', 'charge.dispute.created', 'charge.dispute.closed']);
});

test('checkout sessions complete into a customer and subscription, portal sessions point at the customer', async (t) => {
  const { sim, stripe } = await start();
  t.teardown(() => sim.close());
  const session = await stripe.checkout.sessions.create({
    mode: 'subscription',
    line_items: [{ price: 'price_pro_monthly', quantity: 1 }],
    client_reference_id: 'user_42',
    customer_email: 'c@example.test',
    success_url: 'https://app.test/ok',
  });
  t.is(session.status, 'open');
  t.true(session.url?.startsWith(sim.url));
  const response = await fetch(`${sim.url}/_sim/checkout/sessions/${session.id}/complete`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  t.is(response.status, 200);
  const completed = await stripe.checkout.sessions.retrieve(session.id, { expand: ['subscription'] });
  t.is(completed.status, 'complete');
  t.is(completed.payment_status, 'paid');
  t.is((completed.subscription as Stripe.Subscription).status, 'active');
  const customer = await stripe.customers.retrieve(idOf(completed.customer));
  t.is(customer.deleted ? null : customer.email, 'c@example.test');
  t.deepEqual(sim.events().map((e) => e.type), [
    'customer.created', 'customer.subscription.created', 'invoice.created', 'invoice.finalized', 'charge.succeeded',
    'payment_intent.succeeded', 'invoice_payment.paid', 'invoice.paid', 'invoice.payment_succeeded',
    'customer.subscription.updated', 'entitlements.active_entitlement_summary.updated', 'checkout.session.completed',
  ]);
  const portal = await stripe.billingPortal.sessions.create({ customer: customer.id, return_url: 'https://app.test' });
  t.is(portal.customer, customer.id);
  t.regex(portal.url, /\/portal\/bps_/);
});

test('product features drive active entitlements and their summary events', async (t) => {
  const { sim, stripe } = await start();
  t.teardown(() => sim.close());
  const { customer } = sim.ops.checkout({ lookupKey: 'basic_monthly' });
  const before = await stripe.entitlements.activeEntitlements.list({ customer });
  t.deepEqual(before.data.map((e) => e.lookup_key), ['basic_access']);
  const feature = await stripe.entitlements.features.create({ lookup_key: 'exports', name: 'Exports' });
  const attached = await stripe.products.createFeature('prod_basic', { entitlement_feature: feature.id });
  t.is(attached.entitlement_feature.lookup_key, 'exports');
  const features = await stripe.products.listFeatures('prod_basic');
  t.deepEqual(features.data.map((f) => f.entitlement_feature.lookup_key).sort(), ['basic_access', 'exports']);
  const after = await stripe.entitlements.activeEntitlements.list({ customer });
  t.deepEqual(after.data.map((e) => e.lookup_key).sort(), ['basic_access', 'exports']);
  await stripe.products.deleteFeature('prod_basic', attached.id);
  const summaries = sim.events().filter((e): e is Stripe.EntitlementsActiveEntitlementSummaryUpdatedEvent => e.type === 'entitlements.active_entitlement_summary.updated');
  t.deepEqual(summaries.map((e) => e.data.object.entitlements.data.map((x) => x.lookup_key).sort()), [
    ['basic_access'], ['basic_access', 'exports'], ['basic_access'],
  ]);
  t.is(summaries[1]?.data.object.customer, customer);
});

test('events are listed newest first and filter by created and types', async (t) => {
  const { sim, stripe } = await start();
  t.teardown(() => sim.close());
  const first = await stripe.customers.create({ email: 'one@example.test' });
  sim.advance(100);
  const second = await stripe.customers.create({ email: 'two@example.test' });
  await stripe.customers.update(second.id, { name: 'Two' });
  const all = await stripe.events.list();
  t.deepEqual(all.data.map((e) => e.type), ['customer.updated', 'customer.created', 'customer.created']);
  t.true(all.data.every((e) => e.api_version === Stripe.API_VERSION && !e.livemode && e.request?.id?.startsWith('req_') === true));
  const recent = await stripe.events.list({ created: { gte: 1_800_000_100 } });
  t.is(recent.data.length, 2);
  const created = await stripe.events.list({ types: ['customer.created'] });
  t.deepEqual(created.data.map((e) => (e.data.object as Stripe.Customer).id), [second.id, first.id]);
  const one = await stripe.events.retrieve(all.data[2].id);
  t.is((one.data.object as Stripe.Customer).email, 'one@example.test');
});

test('the service client from createStripe with STRIPE_API_BASE makes every call the service makes, shaped as the service makes it', async (t) => {
  const sim = await createSimulator({ seed, clockStart: 1_800_000_000 });
  t.teardown(() => sim.close());
  const stripe = createStripe({ STRIPE_SECRET_KEY: 'sk_test_service', STRIPE_API_BASE: sim.url });
  t.teardown(() => closeStripe(stripe));

  // Checkout (api): price by lookup key or id, the user's one customer (idempotent), the session, the portal.
  const [byKey] = (await stripe.prices.list({ lookup_keys: ['team_monthly'], active: true, limit: 1 })).data;
  t.is(byKey?.id, 'price_team_monthly');
  t.is((await stripe.prices.retrieve('price_team_monthly')).lookup_key, 'team_monthly');
  await t.throwsAsync(stripe.prices.retrieve('price_missing'), { instanceOf: Stripe.errors.StripeInvalidRequestError, message: /price_missing/ });
  const customer = await stripe.customers.create({ email: 'svc@example.test', metadata: { user_id: 'user_svc' } }, { idempotencyKey: 'customer-create:user_svc' });
  const again = await stripe.customers.create({ email: 'svc@example.test', metadata: { user_id: 'user_svc' } }, { idempotencyKey: 'customer-create:user_svc' });
  t.is(again.id, customer.id);
  const session = await stripe.checkout.sessions.create({
    mode: 'subscription', customer: customer.id, client_reference_id: 'user_svc', metadata: { user_id: 'user_svc' },
    line_items: [{ price: 'price_team_monthly', quantity: 2 }], success_url: 'https://app.test/ok', cancel_url: 'https://app.test/no',
    subscription_data: { metadata: { user_id: 'user_svc' } },
  }, { idempotencyKey: 'checkout:1' });
  t.is(session.customer, customer.id);
  const completed = await fetch(`${sim.url}/_sim/checkout/sessions/${session.id}/complete`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  t.is(completed.status, 200);
  const retrievedSession = await stripe.checkout.sessions.retrieve(session.id);
  t.is(retrievedSession.status, 'complete');
  const portal = await stripe.billingPortal.sessions.create({ customer: customer.id, return_url: 'https://app.test' }, { idempotencyKey: 'portal:1' });
  t.is(portal.customer, customer.id);

  // Customer sync (workers): the customer, every subscription with its latest invoice's payments, the charges.
  t.is((await stripe.customers.retrieve(customer.id)).id, customer.id);
  const subscriptions = await stripe.subscriptions
    .list({ customer: customer.id, status: 'all', limit: 100, expand: ['data.latest_invoice.payments'] })
    .autoPagingToArray({ limit: 10_000 });
  t.is(subscriptions.length, 1);
  const [subscription] = subscriptions;
  t.deepEqual(subscription.metadata, { user_id: 'user_svc' });
  const item = subscription.items.data[0];
  t.like(item, { quantity: 2, price: { id: 'price_team_monthly', lookup_key: 'team_monthly', product: 'prod_team' } });
  t.true(item.current_period_end > item.current_period_start);
  const latest = subscription.latest_invoice as Stripe.Invoice;
  t.is(latest.status, 'paid');
  t.is(latest.payments?.data[0]?.status, 'paid');
  const charges = await stripe.charges.list({ customer: customer.id, limit: 100 }).autoPagingToArray({ limit: 1000 });
  t.deepEqual(charges.map((charge) => charge.amount), [3000]);

  // Thin events' objects (workers): retrieve by id.
  t.is((await stripe.subscriptions.retrieve(subscription.id)).id, subscription.id);
  t.is((await stripe.invoices.retrieve(latest.id)).parent?.subscription_details?.subscription, subscription.id);
  t.is((await stripe.charges.retrieve(charges[0].id)).customer, customer.id);
  const refund = await stripe.refunds.create({ charge: charges[0].id, amount: 1000 });
  t.is((await stripe.refunds.retrieve(refund.id)).charge, charges[0].id);
  const dispute = sim.ops.disputeLatestCharge(subscription.id);
  t.is((await stripe.disputes.retrieve(dispute.id)).charge, charges[0].id);

  // Catalog sync (workers): products, prices and their features.
  t.is((await stripe.products.retrieve('prod_team')).name, 'Team');
  await t.throwsAsync(stripe.products.retrieve('prod_missing'), { instanceOf: Stripe.errors.StripeInvalidRequestError });
  const features = await stripe.products.listFeatures('prod_team', { limit: 100 }).autoPagingToArray({ limit: 1000 });
  t.deepEqual(features.map((feature) => feature.entitlement_feature.lookup_key).sort(), ['basic_access', 'pro', 'team']);

  // Reconciliation and catch-up (workers): every subscription since a date, every event since a date.
  const page = await stripe.subscriptions.list({ status: 'all', limit: 100, expand: ['data.latest_invoice'], created: { gte: 1_800_000_000 } });
  t.deepEqual(page.data.map((s) => [s.id, (s.latest_invoice as Stripe.Invoice).id]), [[subscription.id, latest.id]]);
  const events: string[] = [];
  for await (const event of stripe.events.list({ created: { gte: 1_800_000_000 }, limit: 100 })) events.push(event.id);
  t.deepEqual(events.sort(), sim.events().map((event) => event.id).sort());
});
