import test, { type ExecutionContext } from 'ava';
import { eventFamilies } from '../../shared/events/event-types.js';
import { uid, type Json } from '../support/stripe-state.js';
import { makeEvent } from '../support/webhooks.js';
import { basicFeatures, featureMap, type Features, items, makeThinEvent, proFeatures, Scenario, sharedPipeline } from './pipeline-event-fixtures.js';

/**
 * Every event type the service handles, delivered signed through POST /webhooks/stripe to one api
 * and worker, ends in the state it should: entitlements gained or lost, the mirror, the inbox row
 * (one row, processed) and, for the subscription family, the read API. Stripe's current state is
 * set first (events are hints: the worker fetches), then the event is delivered. Each case has
 * customers of its own, so all run at once.
 */

const pipeline = sharedPipeline();
test.before(async () => { await pipeline.get(); });
test.after.always(() => pipeline.stop());

type Case = (s: Scenario, t: ExecutionContext) => Promise<void>;
const HOUR_MS = 3_600_000;
const nowSeconds = () => Math.floor(Date.now() / 1000);
const teamFeatures = (seats: number): Features => ({ seats, team: true });

/** A customer with one subscription in `status`, and a helper for events about that subscription. */
function subscribed(s: Scenario, spec: Parameters<Scenario['stripe']['subscription']>[1], fields: Json = {}) {
  const customer = s.stripe.customer(uid('cus'), fields);
  const subscription = s.stripe.subscription(customer, spec);
  const object = () => ({ ...s.stripe.subscriptions.get(subscription)! });
  const invoice = () => ({ ...(s.stripe.subscriptions.get(subscription)!.latest_invoice as Json) });
  return { customer, subscription, object, invoice };
}

/** An active pro subscription, synced through a first event: the customer starts with pro features. */
/** The `data.object` of an `entitlements.active_entitlement_summary.updated` event listing `lookupKeys`. */
function entitlementSummary(customer: string, lookupKeys: string[]): Json {
  return {
    object: 'entitlements.active_entitlement_summary', customer, livemode: false,
    entitlements: {
      object: 'list', has_more: false, url: `/v1/customer/${customer}/entitlements`,
      data: lookupKeys.map((key) => ({ id: uid('ent'), object: 'entitlements.active_entitlement', feature: uid('feat'), livemode: false, lookup_key: key })),
    },
  };
}

async function proCustomer(s: Scenario, t: ExecutionContext) {
  const fixture = subscribed(s, { items: [items.pro()] });
  await s.deliver(makeEvent('customer.subscription.created', fixture.object()));
  t.deepEqual(await s.features(fixture.customer), proFeatures, 'starts with pro');
  return fixture;
}

/** A pro subscription that has fallen past due (first seen now): access kept, limited to the grace period. */
async function pastDueCustomer(s: Scenario, t: ExecutionContext) {
  const fixture = await proCustomer(s, t);
  s.stripe.invoice(fixture.subscription, 'open');
  s.stripe.update(fixture.subscription, { status: 'past_due' });
  await s.deliver(makeEvent('invoice.payment_failed', fixture.invoice()));
  const row = await s.subscriptionRow(fixture.subscription);
  const graceEnd = new Date((row!.past_due_since as Date).getTime() + 72 * HOUR_MS).toISOString();
  const stored = await s.entitlements(fixture.customer);
  t.deepEqual(featureMap(stored ?? []), proFeatures, 'past due keeps access inside the grace period');
  t.true(stored!.every((entitlement) => entitlement.expires_at === graceEnd), 'every feature ends when the 72 h grace ends');
  return fixture;
}

/** A product with Stripe Entitlements features, and a customer subscribed to it (no catalog file plan matches it). */
async function productHolder(s: Scenario, t: ExecutionContext) {
  const product = uid('prod');
  const price = uid('price');
  const fixture = subscribed(s, { items: [{ price, product, lookupKey: null }] });
  await s.deliver(makeEvent('customer.subscription.created', fixture.object()));
  t.deepEqual(await s.features(fixture.customer), {}, 'no plan and no product features yet');
  return { ...fixture, product, price };
}

const productObject = (s: Scenario, id: string) => ({ ...s.stripe.products.get(id)!.product });
const catalogProduct = (s: Scenario, id: string) => s.db('catalog_products').where({ id }).first();
const catalogPrice = (s: Scenario, id: string) => s.db('catalog_prices').where({ id }).first();

const cases: Record<string, Case> = {
  // ── checkout ──────────────────────────────────────────────────────────────
  'checkout.session.completed (client_reference_id)': async (s, t) => {
    const { customer } = subscribed(s, { items: [items.pro()] });
    const userId = uid('user');
    const row = await s.deliver(makeEvent('checkout.session.completed', s.stripe.checkoutSession(customer, { client_reference_id: userId })));
    t.is(row.customer_id, customer);
    t.is((await s.customerRow(customer))?.user_id, userId, 'the user is linked to the customer');
    const body = await s.read(userId, proFeatures);
    t.is(body.customer?.stripe_customer_id, customer, 'the read API answers by user id');
    t.deepEqual(featureMap(body.entitlements), proFeatures);
  },
  'checkout.session.completed (metadata.user_id of the auth0|… form)': async (s, t) => {
    const { customer } = subscribed(s, { items: [items.basic()] });
    const userId = `auth0|${uid('user')}`;
    await s.deliver(makeEvent('checkout.session.completed', s.stripe.checkoutSession(customer, { metadata: { user_id: userId } })));
    t.is((await s.customerRow(customer))?.user_id, userId);
    const body = await s.read(userId, basicFeatures);
    t.is(body.customer?.stripe_customer_id, customer);
    t.deepEqual(featureMap(body.entitlements), basicFeatures);
  },

  // ── customer ──────────────────────────────────────────────────────────────
  'customer.created': async (s, t) => {
    const userId = uid('user');
    const customer = s.stripe.customer(uid('cus'), { email: 'new@example.com', metadata: { user_id: userId } });
    await s.deliver(makeEvent('customer.created', s.stripe.customers.get(customer)!));
    const row = await s.customerRow(customer);
    t.like(row, { user_id: userId, email: 'new@example.com', deleted: false });
    t.deepEqual(await s.features(customer), {}, 'a customer without subscriptions has nothing');
    const body = await s.read(userId, {});
    t.is(body.customer?.stripe_customer_id, customer);
  },
  'customer.updated': async (s, t) => {
    const customer = s.stripe.customer(uid('cus'), { email: 'old@example.com' });
    await s.deliver(makeEvent('customer.created', s.stripe.customers.get(customer)!));
    t.like(await s.customerRow(customer), { email: 'old@example.com', user_id: null });
    const userId = uid('user');
    Object.assign(s.stripe.customers.get(customer)!, { email: 'new@example.com', name: 'Ada', metadata: { user_id: userId } });
    await s.deliver(makeEvent('customer.updated', s.stripe.customers.get(customer)!, { data: { object: s.stripe.customers.get(customer), previous_attributes: { email: 'old@example.com' } } }));
    t.like(await s.customerRow(customer), { email: 'new@example.com', name: 'Ada', user_id: userId });
  },
  'customer.deleted': async (s, t) => {
    const { customer, subscription } = await proCustomer(s, t);
    s.stripe.deleteCustomer(customer);
    await s.deliver(makeEvent('customer.deleted', { id: customer, object: 'customer', deleted: true }));
    t.like(await s.customerRow(customer), { deleted: true });
    t.is((await s.subscriptionRow(subscription))?.status, 'canceled', 'deleting a customer cancels its subscriptions');
    t.deepEqual(await s.features(customer), {});
    t.deepEqual(featureMap((await s.read(customer, {})).entitlements), {});
  },

  // ── subscription ──────────────────────────────────────────────────────────
  'customer.subscription.created': async (s, t) => {
    const { customer, subscription, object } = subscribed(s, { items: [items.pro(), items.team(3)] });
    t.deepEqual(featureMap((await s.read(customer, {})).entitlements), {}, 'unknown before the event');
    await s.deliver(makeEvent('customer.subscription.created', object()));
    const expected = { ...proFeatures, ...teamFeatures(3) };
    t.deepEqual(await s.features(customer), expected);
    t.like(await s.subscriptionRow(subscription), { status: 'active', latest_invoice_status: 'paid' });
    t.is((await s.itemRows(subscription)).length, 2);
    t.deepEqual(featureMap((await s.read(customer, expected)).entitlements), expected);
  },
  'customer.subscription.updated': async (s, t) => {
    const { customer, subscription, object } = subscribed(s, { items: [items.basic()] });
    await s.deliver(makeEvent('customer.subscription.created', object()));
    t.deepEqual(featureMap((await s.read(customer, basicFeatures)).entitlements), basicFeatures);
    s.stripe.subscription(customer, { id: subscription, items: [items.pro()] });
    await s.deliver(makeEvent('customer.subscription.updated', object(), { data: { object: object(), previous_attributes: { items: {} } } }));
    t.deepEqual(await s.features(customer), proFeatures, 'the upgrade is applied');
    t.deepEqual((await s.itemRows(subscription)).map((item) => item.lookup_key), ['pro_monthly'], 'the old item is gone');
    t.deepEqual(featureMap((await s.read(customer, proFeatures)).entitlements), proFeatures);
  },
  'customer.subscription.deleted': async (s, t) => {
    const { customer, subscription, object } = await proCustomer(s, t);
    t.deepEqual(featureMap((await s.read(customer, proFeatures)).entitlements), proFeatures);
    s.stripe.update(subscription, { status: 'canceled', canceled_at: nowSeconds(), ended_at: nowSeconds() });
    await s.deliver(makeEvent('customer.subscription.deleted', object()));
    t.like(await s.subscriptionRow(subscription), { status: 'canceled' });
    const ended = s.stripe.subscriptions.get(subscription)!.ended_at as number;
    t.like(await s.db('meter_export_boundaries').join('customers', 'customers.id', 'meter_export_boundaries.customer_id').where({ stripe_customer_id: customer }).first(),
      { at: new Date(ended * 1000), source: 'subscription_ended' }, 'metered usage is flushed up to the end');
    t.deepEqual(await s.features(customer), {}, 'access is gone');
    t.deepEqual(featureMap((await s.read(customer, {})).entitlements), {});
  },
  'customer.subscription.paused': async (s, t) => {
    const { customer, subscription, object } = await proCustomer(s, t);
    t.deepEqual(featureMap((await s.read(customer, proFeatures)).entitlements), proFeatures);
    s.stripe.update(subscription, { status: 'paused' });
    await s.deliver(makeEvent('customer.subscription.paused', object()));
    t.like(await s.subscriptionRow(subscription), { status: 'paused' });
    t.deepEqual(await s.features(customer), {}, 'a paused subscription gives no access');
    t.deepEqual(featureMap((await s.read(customer, {})).entitlements), {});
  },
  'customer.subscription.resumed': async (s, t) => {
    const { customer, subscription, object } = subscribed(s, { status: 'paused', items: [items.pro()] });
    await s.deliver(makeEvent('customer.subscription.paused', object()));
    t.deepEqual(featureMap((await s.read(customer, {})).entitlements), {});
    s.stripe.update(subscription, { status: 'active' });
    await s.deliver(makeEvent('customer.subscription.resumed', object()));
    t.like(await s.subscriptionRow(subscription), { status: 'active' });
    t.deepEqual(await s.features(customer), proFeatures, 'access is back');
    t.deepEqual(featureMap((await s.read(customer, proFeatures)).entitlements), proFeatures);
  },
  'customer.subscription.trial_will_end': async (s, t) => {
    const { customer, subscription, object } = subscribed(s, { status: 'trialing', latestInvoice: null, items: [items.pro()] });
    s.stripe.update(subscription, { trial_end: nowSeconds() + 3 * 86_400 });
    await s.deliver(makeEvent('customer.subscription.trial_will_end', object()));
    const row = await s.subscriptionRow(subscription);
    t.is(row?.status, 'trialing');
    t.truthy(row?.trial_end, 'the trial end is mirrored');
    t.deepEqual(await s.features(customer), proFeatures, 'a trial gives access');
    t.deepEqual(featureMap((await s.read(customer, proFeatures)).entitlements), proFeatures);
  },
  'customer.subscription.pending_update_applied': async (s, t) => {
    const { customer, subscription, object } = subscribed(s, { items: [items.team(2)] });
    await s.deliver(makeEvent('customer.subscription.created', object()));
    t.deepEqual(await s.features(customer), teamFeatures(2));
    s.stripe.subscription(customer, { id: subscription, items: [items.team(5)] });
    await s.deliver(makeEvent('customer.subscription.pending_update_applied', object()));
    t.deepEqual(await s.features(customer), teamFeatures(5), 'the seats of the applied update count');
    t.deepEqual(featureMap((await s.read(customer, teamFeatures(5))).entitlements), teamFeatures(5));
  },
  'customer.subscription.pending_update_expired': async (s, t) => {
    const { customer, subscription, object } = subscribed(s, { items: [items.team(2)] });
    await s.deliver(makeEvent('customer.subscription.created', object()));
    const fetchesBefore = s.stripe.syncs(customer);
    await s.deliver(makeEvent('customer.subscription.pending_update_expired', { ...object(), pending_update: null }));
    t.true(s.stripe.syncs(customer) > fetchesBefore, 'the customer is fetched again');
    t.deepEqual(await s.features(customer), teamFeatures(2), 'the update never applied: seats unchanged');
    t.like(await s.subscriptionRow(subscription), { status: 'active' });
    t.deepEqual(featureMap((await s.read(customer, teamFeatures(2))).entitlements), teamFeatures(2));
  },

  // ── invoice ───────────────────────────────────────────────────────────────
  'invoice.created': async (s, t) => {
    const { customer, invoice } = await proCustomer(s, t);
    const periodEnd = nowSeconds() - 60;
    await s.deliver(makeEvent('invoice.created', { ...invoice(), created: nowSeconds(), period_end: periodEnd, status: 'draft' }));
    t.like(await s.db('meter_export_boundaries').join('customers', 'customers.id', 'meter_export_boundaries.customer_id').where({ stripe_customer_id: customer }).first(),
      { at: new Date(periodEnd * 1000), source: 'invoice_created' }, 'metered usage up to the period end is flushed before finalization');
    t.deepEqual(await s.features(customer), proFeatures);
  },
  'invoice.paid': async (s, t) => {
    const { customer, subscription, invoice } = await pastDueCustomer(s, t);
    s.stripe.invoice(subscription, 'paid');
    s.stripe.update(subscription, { status: 'active' });
    await s.deliver(makeEvent('invoice.paid', invoice()));
    t.like(await s.subscriptionRow(subscription), { status: 'active', past_due_since: null, latest_invoice_status: 'paid' });
    const stored = await s.entitlements(customer);
    t.deepEqual(featureMap(stored ?? []), proFeatures);
    t.true(stored!.every((entitlement) => entitlement.expires_at === null), 'paid: no grace limit any more');
  },
  'invoice.payment_succeeded': async (s, t) => {
    const { customer, subscription, object, invoice } = subscribed(s, { status: 'incomplete', latestInvoice: { status: 'open' }, items: [items.pro()] });
    await s.deliver(makeEvent('customer.subscription.created', object()));
    t.deepEqual(await s.features(customer), {}, 'incomplete gives no access');
    s.stripe.invoice(subscription, 'paid');
    s.stripe.update(subscription, { status: 'active' });
    await s.deliver(makeEvent('invoice.payment_succeeded', invoice()));
    t.like(await s.subscriptionRow(subscription), { status: 'active', latest_invoice_status: 'paid' });
    t.deepEqual(await s.features(customer), proFeatures, 'the first payment gives access');
  },
  'invoice.payment_failed': async (s, t) => {
    // Past due inside the grace period: pastDueCustomer checks access and its 72 h limit.
    const { customer, subscription, invoice } = await pastDueCustomer(s, t);
    t.like(await s.subscriptionRow(subscription), { status: 'past_due', latest_invoice_status: 'open' });
    t.deepEqual(featureMap((await s.read(customer, proFeatures)).entitlements), proFeatures);
    // Past the grace period: as if first seen past due 73 h ago, Stripe's next retry fails too.
    await s.db('subscriptions').where({ id: subscription }).update({ past_due_since: new Date(Date.now() - 73 * HOUR_MS) });
    s.stripe.invoice(subscription, 'open');
    await s.deliver(makeEvent('invoice.payment_failed', invoice()));
    t.deepEqual(await s.features(customer), {}, 'access ends with the grace period');
    t.deepEqual(featureMap((await s.read(customer, {})).entitlements), {});
  },
  'invoice.payment_action_required': async (s, t) => {
    const { customer, subscription, invoice } = await proCustomer(s, t);
    s.stripe.invoice(subscription, 'open');
    s.stripe.update(subscription, { status: 'past_due' });
    await s.deliver(makeEvent('invoice.payment_action_required', invoice()));
    const row = await s.subscriptionRow(subscription);
    t.like(row, { status: 'past_due', latest_invoice_status: 'open' });
    const stored = await s.entitlements(customer);
    t.deepEqual(featureMap(stored ?? []), proFeatures, 'waiting for the customer to authenticate keeps access in the grace period');
    t.true(stored!.every((entitlement) => entitlement.expires_at === new Date((row!.past_due_since as Date).getTime() + 72 * HOUR_MS).toISOString()));
  },
  'invoice.voided': async (s, t) => {
    const { customer, subscription, invoice } = await pastDueCustomer(s, t);
    s.stripe.invoice(subscription, 'void');
    s.stripe.update(subscription, { status: 'active' });
    await s.deliver(makeEvent('invoice.voided', invoice()));
    t.like(await s.subscriptionRow(subscription), { status: 'active', latest_invoice_status: 'void', past_due_since: null });
    const stored = await s.entitlements(customer);
    t.deepEqual(featureMap(stored ?? []), proFeatures);
    t.true(stored!.every((entitlement) => entitlement.expires_at === null), 'nothing owed: no grace limit');
  },
  'invoice.marked_uncollectible': async (s, t) => {
    const { customer, subscription, invoice } = await pastDueCustomer(s, t);
    s.stripe.invoice(subscription, 'uncollectible');
    s.stripe.update(subscription, { status: 'unpaid' });
    await s.deliver(makeEvent('invoice.marked_uncollectible', invoice()));
    t.like(await s.subscriptionRow(subscription), { status: 'unpaid', latest_invoice_status: 'uncollectible' });
    t.deepEqual(await s.features(customer), {}, 'unpaid gives no access');
  },

  // ── charge ────────────────────────────────────────────────────────────────
  'charge.refunded (full, then a later invoice paid)': async (s, t) => {
    const { customer, subscription, invoice } = await proCustomer(s, t);
    const charge = s.stripe.latestCharge(subscription)!;
    s.stripe.refund(charge);
    await s.deliver(makeEvent('charge.refunded', { ...s.stripe.charges.get(charge)! }));
    t.like(await s.subscriptionRow(subscription), { status: 'active', latest_invoice_refunded: true });
    t.deepEqual(await s.features(customer), {}, 'a full refund of the latest invoice revokes access');
    s.stripe.invoice(subscription, 'paid');
    await s.deliver(makeEvent('invoice.paid', invoice()));
    t.like(await s.subscriptionRow(subscription), { latest_invoice_refunded: false });
    t.deepEqual(await s.features(customer), proFeatures, 'a later paid invoice gives access back');
  },
  'charge.refunded (partial)': async (s, t) => {
    const { customer, subscription } = await proCustomer(s, t);
    const charge = s.stripe.latestCharge(subscription)!;
    s.stripe.refund(charge, { amount: 500 });
    const fetchesBefore = s.stripe.syncs(customer);
    await s.deliver(makeEvent('charge.refunded', { ...s.stripe.charges.get(charge)! }));
    t.true(s.stripe.syncs(customer) > fetchesBefore, 'the customer was synced again');
    t.like(await s.subscriptionRow(subscription), { latest_invoice_refunded: false });
    t.deepEqual(await s.features(customer), proFeatures, 'a partial refund changes nothing');
  },
  'charge.refund.updated': async (s, t) => {
    const { customer, subscription } = await proCustomer(s, t);
    const charge = s.stripe.latestCharge(subscription)!;
    const refund = s.stripe.refund(charge);
    await s.deliver(makeEvent('charge.refunded', { ...s.stripe.charges.get(charge)! }));
    t.deepEqual(await s.features(customer), {});
    s.stripe.failRefund(refund);
    const row = await s.deliver(makeEvent('charge.refund.updated', { ...s.stripe.refunds.get(refund)! }));
    t.is(row.customer_id, customer, 'the refund names its charge; the charge names the customer');
    t.true(s.fetches(`/v1/charges/${charge}`) >= 1);
    t.like(await s.subscriptionRow(subscription), { latest_invoice_refunded: false });
    t.deepEqual(await s.features(customer), proFeatures, 'a failed refund gives access back');
  },
  'charge.dispute.created': async (s, t) => {
    const { customer, subscription } = await proCustomer(s, t);
    const charge = s.stripe.latestCharge(subscription)!;
    const dispute = s.stripe.dispute(charge);
    const row = await s.deliver(makeEvent('charge.dispute.created', { ...s.stripe.disputes.get(dispute)! }));
    t.is(row.customer_id, customer, 'the dispute names its charge; the charge names the customer');
    t.true(s.fetches(`/v1/charges/${charge}`) >= 1);
    t.like(await s.subscriptionRow(subscription), { status: 'active', latest_invoice_charge_id: charge, latest_invoice_dispute_status: 'needs_response' });
    t.deepEqual(await s.features(customer), {}, 'policy (revoke_on_open): an open dispute on the latest invoice ends access');
  },
  'charge.dispute.updated': async (s, t) => {
    const { customer, subscription } = await proCustomer(s, t);
    const charge = s.stripe.latestCharge(subscription)!;
    const dispute = s.stripe.dispute(charge);
    s.stripe.disputeStatus(dispute, 'under_review');
    const row = await s.deliver(makeEvent('charge.dispute.updated', { ...s.stripe.disputes.get(dispute)! }));
    t.is(row.customer_id, customer);
    t.like(await s.subscriptionRow(subscription), { latest_invoice_dispute_status: 'under_review' });
    t.deepEqual(await s.features(customer), {}, 'a dispute under review is still open');
  },
  'charge.dispute.closed': async (s, t) => {
    const { customer, subscription } = await proCustomer(s, t);
    const charge = s.stripe.latestCharge(subscription)!;
    const dispute = s.stripe.dispute(charge, { status: 'lost' });
    const row = await s.deliver(makeEvent('charge.dispute.closed', { ...s.stripe.disputes.get(dispute)! }));
    t.is(row.customer_id, customer);
    t.like(await s.subscriptionRow(subscription), { status: 'active', latest_invoice_refunded: false, latest_invoice_dispute_status: 'lost' });
    t.deepEqual(await s.features(customer), {}, 'a lost dispute ends access');
  },
  'charge.dispute.closed (won: access restored)': async (s, t) => {
    const { customer, subscription } = await proCustomer(s, t);
    const charge = s.stripe.latestCharge(subscription)!;
    const dispute = s.stripe.dispute(charge);
    await s.deliver(makeEvent('charge.dispute.created', { ...s.stripe.disputes.get(dispute)! }));
    t.deepEqual(await s.features(customer), {});
    s.stripe.disputeStatus(dispute, 'won');
    await s.deliver(makeEvent('charge.dispute.closed', { ...s.stripe.disputes.get(dispute)! }));
    t.like(await s.subscriptionRow(subscription), { latest_invoice_dispute_status: 'won' });
    t.deepEqual(await s.features(customer), proFeatures, 'a dispute won gives access back');
  },

  // ── product ───────────────────────────────────────────────────────────────
  'product.created': async (s, t) => {
    const { customer, product } = await productHolder(s, t);
    s.stripe.product(product, ['sso', 'export']);
    await s.deliver(makeEvent('product.created', productObject(s, product)));
    const stored = await catalogProduct(s, product);
    t.like(stored, { active: true, deleted: false });
    t.deepEqual(stored.features, ['export', 'sso']);
    t.deepEqual(await s.featuresEventually(customer, { export: true, sso: true }), { export: true, sso: true }, 'the holder gains the product features');
  },
  'product.updated': async (s, t) => {
    const { customer, product } = await productHolder(s, t);
    s.stripe.product(product, ['export']);
    await s.deliver(makeEvent('product.created', productObject(s, product)));
    t.deepEqual(await s.featuresEventually(customer, { export: true }), { export: true });
    s.stripe.product(product, ['audit_log', 'export'], { name: 'Renamed' });
    await s.deliver(makeEvent('product.updated', productObject(s, product)));
    const stored = await catalogProduct(s, product);
    t.like(stored, { name: 'Renamed' });
    t.deepEqual(stored.features, ['audit_log', 'export']);
    t.deepEqual(await s.featuresEventually(customer, { audit_log: true, export: true }), { audit_log: true, export: true }, 'a feature attached to the product reaches its holders');
  },
  'product.deleted': async (s, t) => {
    const { customer, product } = await productHolder(s, t);
    s.stripe.product(product, ['export']);
    await s.deliver(makeEvent('product.created', productObject(s, product)));
    t.deepEqual(await s.featuresEventually(customer, { export: true }), { export: true });
    const last = productObject(s, product);
    s.stripe.products.delete(product);
    await s.deliver(makeEvent('product.deleted', last));
    const stored = await catalogProduct(s, product);
    t.like(stored, { deleted: true, active: false });
    t.deepEqual(stored.features, []);
    t.deepEqual(await s.featuresEventually(customer, {}), {}, 'a deleted product grants nothing');
  },

  // ── price ─────────────────────────────────────────────────────────────────
  'price.created': async (s, t) => {
    const price = uid('price');
    const lookupKey = uid('lookup');
    s.stripe.price(price, uid('prod'), lookupKey);
    await s.deliver(makeEvent('price.created', { ...s.stripe.prices.get(price)! }));
    t.like(await catalogPrice(s, price), { lookup_key: lookupKey, active: true, deleted: false, unit_amount: 1500, currency: 'usd', recurring_interval: 'month' });
  },
  'price.updated': async (s, t) => {
    const { customer, subscription, product, price } = await productHolder(s, t);
    s.stripe.price(price, product, 'pro_monthly');
    await s.deliver(makeEvent('price.updated', { ...s.stripe.prices.get(price)! }, { data: { object: s.stripe.prices.get(price), previous_attributes: { lookup_key: null } } }));
    t.like(await catalogPrice(s, price), { lookup_key: 'pro_monthly' });
    t.deepEqual((await s.itemRows(subscription)).map((item) => item.lookup_key), ['pro_monthly'], 'the held item now carries the lookup key');
    t.deepEqual(await s.featuresEventually(customer, proFeatures), proFeatures, 'the lookup key now matches the pro plan');
  },
  'price.deleted': async (s, t) => {
    const fixture = subscribed(s, { items: [items.basic()] });
    const { id: price, product } = (s.stripe.subscriptions.get(fixture.subscription)!.items as { data: { price: { id: string; product: string } }[] }).data[0].price;
    await s.deliver(makeEvent('customer.subscription.created', fixture.object()));
    s.stripe.price(price, product, 'basic_monthly');
    await s.deliver(makeEvent('price.created', { ...s.stripe.prices.get(price)! }));
    t.like(await catalogPrice(s, price), { deleted: false, active: true });
    const last = { ...s.stripe.prices.get(price)! };
    s.stripe.prices.delete(price);
    await s.deliver(makeEvent('price.deleted', last));
    t.like(await catalogPrice(s, price), { deleted: true, active: false });
    await s.jobsDone();
    t.deepEqual(await s.features(fixture.customer), basicFeatures, 'a subscription keeps billing (and its features) on a deleted price');
  },

  // ── entitlements ──────────────────────────────────────────────────────────
  'entitlements.active_entitlement_summary.updated': async (s, t) => {
    const { customer } = subscribed(s, { items: [items.pro()] });
    s.stripe.activeEntitlements.set(customer, ['sso', 'export']);
    // The event carries an older list (a late delivery): the current one is fetched and kept.
    const row = await s.deliver(makeEvent('entitlements.active_entitlement_summary.updated', entitlementSummary(customer, ['legacy'])));
    t.is(row.customer_id, customer);
    t.true(s.fetches('/v1/entitlements/active_entitlements') >= 1, 'the current list was fetched');
    t.deepEqual((await s.customerRow(customer))?.stripe_active_entitlements, ['export', 'sso'], "Stripe's current summary is kept on the customer");
    t.deepEqual(await s.features(customer), proFeatures, 'entitlements stay derived from the synced subscriptions');
  },

  'entitlements.active_entitlement_summary.updated (customer deleted since)': async (s, t) => {
    const { customer } = subscribed(s, { items: [items.pro()] });
    s.stripe.activeEntitlements.set(customer, ['sso']);
    s.stripe.deleteCustomer(customer);
    await s.deliver(makeEvent('entitlements.active_entitlement_summary.updated', entitlementSummary(customer, ['sso'])));
    t.deepEqual((await s.customerRow(customer))?.stripe_active_entitlements, [], 'Stripe knows the customer no more: no active entitlements');
    t.deepEqual(await s.features(customer), {}, 'the sync marked it deleted');
  },

  // ── thin events (event destinations): the related object is fetched ───────
  'v1.customer.subscription.deleted (thin)': async (s, t) => {
    const { customer, subscription } = await proCustomer(s, t);
    s.stripe.update(subscription, { status: 'canceled', canceled_at: nowSeconds(), ended_at: nowSeconds() });
    await s.deliver(makeThinEvent('v1.customer.subscription.deleted', { id: subscription, type: 'subscription' }));
    t.true(s.fetches(`/v1/subscriptions/${subscription}`) >= 1, 'the subscription was fetched');
    t.deepEqual(await s.features(customer), {});
    t.deepEqual(featureMap((await s.read(customer, {})).entitlements), {});
  },
  'v1.invoice.payment_failed (thin)': async (s, t) => {
    const { customer, subscription } = await proCustomer(s, t);
    const invoice = s.stripe.invoice(subscription, 'open');
    s.stripe.update(subscription, { status: 'past_due' });
    await s.deliver(makeThinEvent('v1.invoice.payment_failed', { id: invoice, type: 'invoice' }));
    t.true(s.fetches(`/v1/invoices/${invoice}`) >= 1, 'the invoice was fetched');
    t.like(await s.subscriptionRow(subscription), { status: 'past_due' });
    const stored = await s.entitlements(customer);
    t.deepEqual(featureMap(stored ?? []), proFeatures);
    t.true(stored!.every((entitlement) => entitlement.expires_at !== null), 'limited to the grace period');
  },
  'v1.charge.dispute.created (thin)': async (s, t) => {
    const { customer, subscription } = await proCustomer(s, t);
    const charge = s.stripe.latestCharge(subscription)!;
    const dispute = s.stripe.dispute(charge);
    const row = await s.deliver(makeThinEvent('v1.charge.dispute.created', { id: dispute, type: 'dispute' }));
    t.true(s.fetches(`/v1/disputes/${dispute}`) >= 1 && s.fetches(`/v1/charges/${charge}`) >= 1, 'the dispute, then its charge, were fetched');
    t.is(row.customer_id, customer);
    t.deepEqual(await s.features(customer), {});
  },
  'v1.checkout.session.completed (thin)': async (s, t) => {
    const { customer } = subscribed(s, { items: [items.pro()] });
    const userId = uid('user');
    const session = s.stripe.checkoutSession(customer, { client_reference_id: userId });
    await s.deliver(makeThinEvent('v1.checkout.session.completed', { id: session.id as string, type: 'checkout.session' }));
    t.true(s.fetches(`/v1/checkout/sessions/${String(session.id)}`) >= 1, 'the session was fetched');
    const body = await s.read(userId, proFeatures);
    t.is(body.customer?.stripe_customer_id, customer, 'the user is linked from the fetched session');
    t.deepEqual(featureMap(body.entitlements), proFeatures);
  },
  'v1.product.updated (thin)': async (s, t) => {
    const { customer, product } = await productHolder(s, t);
    s.stripe.product(product, ['export']);
    await s.deliver(makeThinEvent('v1.product.updated', { id: product, type: 'product' }));
    t.true(s.fetches(`/v1/products/${product}`) >= 1, 'the product was fetched');
    t.deepEqual(await s.featuresEventually(customer, { export: true }), { export: true });
  },

  // ── not handled: recorded as ignored, nothing else ────────────────────────
  'payout.paid (not handled: ignored)': async (s, t) => {
    const event = makeEvent('payout.paid', { id: uid('po'), object: 'payout', amount: 1500 });
    const row = await s.deliver(event, 'ignored');
    t.is(row.customer_id, null);
    t.is(await pipeline.get().then(({ services }) => services.api.context.queues.events.getJob(event.id as string)), undefined, 'no job');
  },
};

test('every handled event type has a case below', (t) => {
  const covered = new Set(Object.keys(cases).map((name) => name.split(' ')[0]));
  const missing = Object.values(eventFamilies).flat().filter((type) => !covered.has(type));
  t.deepEqual(missing, []);
});

for (const [name, run] of Object.entries(cases)) {
  test(name, async (t) => {
    await run(new Scenario(t, await pipeline.get()), t);
  });
}
