import test, { type ExecutionContext } from 'ava';
import nock from 'nock';
import { createKey } from '../../shared/api-keys.js';
import { catalogFile, testCatalog } from '../support/catalog.js';
import { startServices } from '../support/services.js';
import { StripeState, uid, useStripeState, type Json } from '../support/stripe-state.js';

/**
 * Plan changes from the app through the real HTTP entry, Stripe through nock: reads answered by an
 * in-memory Stripe, writes intercepted here (recorded with their idempotency keys, and applied to
 * that Stripe so the sync that follows sees them). One Stripe for the file: tests run serially.
 */

const stripeApi = 'https://api.stripe.com';
const stripe = new StripeState();
const catalog = {
  plans: [
    ...testCatalog.plans.filter((plan) => !('product' in plan.match)),
    { match: { product: 'prod_team' }, features: { team: true, seats: 'quantity' }, quantity: { min: 2, max: 10 } },
  ],
};

interface Write { method: string; path: string; idempotencyKey: string | null; form: Record<string, string> }
const writes: Write[] = [];
const now = () => Math.floor(Date.now() / 1000);

stripe.price('price_basic', 'prod_basic', 'basic_monthly', { unit_amount: 1000 });
stripe.price('price_pro', 'prod_pro', 'pro_monthly', { unit_amount: 3000 });
stripe.price('price_team', 'prod_team', null, { unit_amount: 800 });
stripe.price('price_loose', 'prod_loose', 'loose_monthly', { unit_amount: 5000 });
stripe.price('price_eur', 'prod_pro', 'pro_monthly_eur', { unit_amount: 2800, currency: 'eur' });

function itemOf(sub: Json): Json { return (sub.items as { data: Json[] }).data[0]; }

/** The writes plan changes make, applied to the in-memory Stripe. */
function interceptWrites(): void {
  const record = async (req: Request): Promise<Write> => {
    const url = new URL(req.url);
    const write = { method: req.method, path: url.pathname, idempotencyKey: req.headers.get('idempotency-key'), form: Object.fromEntries(new URLSearchParams(await req.text())) };
    writes.push(write);
    return write;
  };
  nock(stripeApi).persist().post('/v1/invoices/create_preview').reply(async (req: Request) => {
    const { form } = await record(req);
    const sub = stripe.subscriptions.get(form.subscription)!;
    const item = itemOf(sub);
    const oldAmount = ((item.price as Json).unit_amount as number) * (item.quantity as number);
    const price = stripe.prices.get(form['subscription_details[items][0][price]'])!;
    const newAmount = (price.unit_amount as number) * Number(form['subscription_details[items][0][quantity]']);
    const prorate = form['subscription_details[proration_behavior]'] !== 'none';
    const period = { start: now(), end: now() + 30 * 86_400 };
    const line = (amount: number, proration: boolean, description: string) => ({
      id: uid('il'), object: 'line_item', amount, description, period,
      parent: { type: 'subscription_item_details', subscription_item_details: { proration, subscription_item: item.id, subscription: sub.id, invoice_item: null, proration_details: null }, invoice_item_details: null },
    });
    const lines = [...(prorate ? [line(-oldAmount / 2, true, 'Unused time'), line(newAmount / 2, true, 'Remaining time')] : []), line(newAmount, false, 'Next period')];
    const total = lines.reduce((sum, entry) => sum + entry.amount, 0);
    return [200, { id: 'upcoming_in', object: 'invoice', currency: price.currency, amount_due: total, total, total_taxes: [], next_payment_attempt: period.end, period_end: period.end, lines: { object: 'list', data: lines, has_more: false } }];
  });
  nock(stripeApi).persist().post(/^\/v1\/subscriptions\/sub_\w+$/).reply(async (req: Request) => {
    const { path, form } = await record(req);
    const sub = stripe.subscriptions.get(path.split('/').at(-1)!)!;
    if (form.cancel_at_period_end) sub.cancel_at_period_end = form.cancel_at_period_end === 'true';
    if (form['items[0][price]']) {
      const price = stripe.prices.get(form['items[0][price]'])!;
      Object.assign(itemOf(sub), { price: { ...price }, quantity: Number(form['items[0][quantity]']) });
    }
    return [200, sub];
  });
  nock(stripeApi).persist().delete(/^\/v1\/subscriptions\/sub_\w+$/).reply(async (req: Request) => {
    const { path } = await record(req);
    const sub = stripe.subscriptions.get(path.split('/').at(-1)!)!;
    Object.assign(sub, { status: 'canceled', ended_at: now(), canceled_at: now() });
    return [200, sub];
  });
  nock(stripeApi).persist().post('/v1/subscription_schedules').reply(async (req: Request) => {
    const { form } = await record(req);
    const sub = stripe.subscriptions.get(form.from_subscription)!;
    const schedule = { id: uid('sub_sched'), object: 'subscription_schedule', subscription: sub.id, current_phase: { start_date: itemOf(sub).current_period_start, end_date: itemOf(sub).current_period_end } };
    sub.schedule = schedule.id;
    return [200, schedule];
  });
  nock(stripeApi).persist().post(/^\/v1\/subscription_schedules\/sub_sched_\w+(\/release)?$/).reply(async (req: Request) => {
    const { path } = await record(req);
    const id = path.split('/')[3];
    if (path.endsWith('/release')) for (const sub of stripe.subscriptions.values()) if (sub.schedule === id) sub.schedule = null;
    return [200, { id, object: 'subscription_schedule' }];
  });
}

test.before(() => {
  interceptWrites();
});

async function setup(t: ExecutionContext, env: Record<string, string> = {}) {
  t.teardown(useStripeState(stripe));
  const services = await startServices(t, { env: { CATALOG_FILE: catalogFile(catalog), STRIPE_RATE_LIMIT_PER_SECOND: '1000', ...env } });
  const db = services.api.context.db;
  const { key, record } = await createKey(db, { name: 'plans', scope: 'write' });
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${services.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Json };
  };
  /** A customer of the service with one subscription to `price` × `quantity`, synced. */
  const subscriber = async (price: string, quantity = 1) => {
    const userId = uid('user');
    const customer = stripe.customer(uid('cus'), { metadata: { user_id: userId } });
    const spec = stripe.prices.get(price)!;
    const subscription = stripe.subscription(customer, { items: [{ price, product: spec.product as string, lookupKey: spec.lookup_key as string | null, quantity }] });
    Object.assign((itemOf(stripe.subscriptions.get(subscription)!).price as Json), { unit_amount: spec.unit_amount, currency: spec.currency, recurring: spec.recurring });
    await db('customers').insert({ stripe_customer_id: customer, user_id: userId });
    const synced = await post(`/v1/customers/${userId}/sync`, {});
    t.is(synced.status, 200);
    return { userId, customer, subscription, version: synced.body.version as number };
  };
  return { ...services, db, keyId: record.id, post, subscriber };
}

const features = (body: Json) => Object.fromEntries((body.entitlements as { feature: string; value: unknown }[]).map(({ feature, value }) => [feature, value]));
const writesTo = (subscription: string) => writes.filter((write) => write.form.subscription === subscription || write.form.from_subscription === subscription || write.path.endsWith(subscription));

test.serial('preview of an upgrade: prorations and the next invoice from Stripe\'s invoice preview, at the proration date given', async (t) => {
  const { post, subscriber } = await setup(t);
  const { userId, subscription } = await subscriber('price_basic');
  const prorationDate = now() - 60;
  const { status, body } = await post(`/v1/customers/${userId}/subscription/preview`, { lookup_key: 'pro_monthly', proration_date: prorationDate });
  t.is(status, 200, JSON.stringify(body));
  t.like(body, { subscription, currency: 'usd', price: 'price_pro', quantity: 1, applies: 'now', proration_date: prorationDate, proration_behavior: 'create_prorations', prorations: 1000, amount_due_now: 0 });
  t.like(body.next_invoice, { amount_due: 4000, total: 4000, tax: 0 });
  t.deepEqual((body.lines as Json[]).map((line) => [line.amount, line.proration]), [[-500, true], [1500, true], [3000, false]]);
  const [preview] = writesTo(subscription);
  t.like(preview?.form, { customer: stripe.subscriptions.get(subscription)!.customer, 'subscription_details[items][0][price]': 'price_pro', 'subscription_details[items][0][quantity]': '1', 'subscription_details[proration_date]': String(prorationDate) });
  t.is(preview?.form['subscription_details[items][0][id]'], itemOf(stripe.subscriptions.get(subscription)!).id as string);
});

test.serial('preview with always_invoice: the prorations are due now and the next invoice is previewed without them; a downgrade prorates nothing', async (t) => {
  const { post, subscriber } = await setup(t);
  const { userId } = await subscriber('price_basic');
  const invoiced = await post(`/v1/customers/${userId}/subscription/preview`, { price: 'price_pro', proration_behavior: 'always_invoice' });
  t.like(invoiced.body, { applies: 'now', proration_behavior: 'always_invoice', prorations: 1000, amount_due_now: 1000 });
  t.like(invoiced.body.next_invoice, { amount_due: 3000 });
  const down = await subscriber('price_pro');
  const downgrade = await post(`/v1/customers/${down.userId}/subscription/preview`, { price: 'price_basic' });
  t.like(downgrade.body, { applies: 'period_end', proration_behavior: 'none', prorations: 0, amount_due_now: 0 });
  t.like(downgrade.body.next_invoice, { amount_due: 1000 });
});

test.serial('an upgrade applies at once with the preview\'s proration date; the answer holds the new entitlements and a newer version; a retry gets the first answer and changes nothing twice', async (t) => {
  const { post, subscriber } = await setup(t);
  const { userId, subscription, version } = await subscriber('price_basic');
  const prorationDate = now() - 30;
  const headers = { 'idempotency-key': uid('retry') };
  const { status, body } = await post(`/v1/customers/${userId}/subscription/change`, { lookup_key: 'pro_monthly', proration_date: prorationDate, proration_behavior: 'always_invoice' }, headers);
  t.is(status, 200, JSON.stringify(body));
  t.like(body, { applies: 'now', schedule: null });
  t.like(body.subscription, { id: subscription, status: 'active', cancel_at_period_end: false });
  t.deepEqual((body.subscription as { items: Json[] }).items.map((item) => [item.price, item.lookup_key, item.quantity]), [['price_pro', 'pro_monthly', 1]]);
  t.deepEqual(features(body), { api_calls: 10000, basic: true, pro: true });
  t.true((body.version as number) > version, 'a newer entitlement version');
  const updates = writesTo(subscription).filter((write) => write.method === 'POST' && write.path === `/v1/subscriptions/${subscription}`);
  t.is(updates.length, 1);
  t.like(updates[0]?.form, { 'items[0][price]': 'price_pro', 'items[0][quantity]': '1', proration_behavior: 'always_invoice', proration_date: String(prorationDate) });
  t.regex(updates[0]?.idempotencyKey ?? '', /^subscription-change:[\w-]+:update$/);

  const retried = await post(`/v1/customers/${userId}/subscription/change`, { lookup_key: 'pro_monthly', proration_date: prorationDate, proration_behavior: 'always_invoice' }, headers);
  t.is(retried.status, 200);
  t.deepEqual(retried.body, body, 'the same key: the first answer');
  const again = writesTo(subscription).filter((write) => write.path === `/v1/subscriptions/${subscription}`);
  t.is(again.length, 1, 'the retry writes nothing to Stripe');
  const reused = await post(`/v1/customers/${userId}/subscription/change`, { lookup_key: 'basic_monthly' }, headers);
  t.is(reused.status, 409);
  t.like(reused.body.error, { code: 'idempotency_conflict' });
});

test.serial('a downgrade waits for the period end through a subscription schedule; access is unchanged until then; apply "now" overrides', async (t) => {
  const { post, subscriber } = await setup(t);
  const { userId, subscription } = await subscriber('price_pro');
  const periodEnd = itemOf(stripe.subscriptions.get(subscription)!).current_period_end as number;
  const { status, body } = await post(`/v1/customers/${userId}/subscription/change`, { price: 'price_basic' }, { 'idempotency-key': uid('down') });
  t.is(status, 200, JSON.stringify(body));
  t.like(body, { applies: 'period_end', effective_at: periodEnd });
  t.regex(String(body.schedule), /^sub_sched_/);
  t.deepEqual(features(body), { api_calls: 10000, basic: true, pro: true }, 'still pro until the period ends');
  const [create, phases] = writesTo(subscription).concat(writes.filter((write) => write.path === `/v1/subscription_schedules/${String(body.schedule)}`));
  t.like(create?.form, { from_subscription: subscription });
  t.regex(create?.idempotencyKey ?? '', /^subscription-change:[\w-]+:schedule$/);
  t.like(phases?.form, {
    end_behavior: 'release', 'phases[0][items][0][price]': 'price_pro', 'phases[0][end_date]': String(periodEnd),
    'phases[1][items][0][price]': 'price_basic', 'phases[1][items][0][quantity]': '1', 'phases[1][duration][interval]': 'month',
  });

  const now_ = await post(`/v1/customers/${userId}/subscription/change`, { price: 'price_basic', apply: 'now' });
  t.is(now_.status, 200, JSON.stringify(now_.body));
  t.like(now_.body, { applies: 'now', schedule: null });
  t.true(writes.some((write) => write.path === `/v1/subscription_schedules/${String(body.schedule)}/release`), 'the pending schedule released first');
  t.deepEqual(features(now_.body), { api_calls: 1000, basic: true });
});

test.serial('downgrades can be configured to apply at once, and upgrades at period end', async (t) => {
  const { post, subscriber } = await setup(t, { PLAN_DOWNGRADE_APPLIES: 'now', PLAN_UPGRADE_APPLIES: 'period_end' });
  const down = await subscriber('price_pro');
  t.like((await post(`/v1/customers/${down.userId}/subscription/change`, { price: 'price_basic' })).body, { applies: 'now' });
  const up = await subscriber('price_basic');
  t.like((await post(`/v1/customers/${up.userId}/subscription/preview`, { price: 'price_pro' })).body, { applies: 'period_end', prorations: 0 });
});

test.serial('seats: a quantity change within the plan\'s limits applies; outside them it is a 400 naming the limits', async (t) => {
  const { post, subscriber } = await setup(t);
  const { userId } = await subscriber('price_team', 3);
  const more = await post(`/v1/customers/${userId}/subscription/change`, { price: 'price_team', quantity: 7 });
  t.is(more.status, 200, JSON.stringify(more.body));
  t.deepEqual(features(more.body), { seats: 7, team: true });
  for (const quantity of [1, 11]) {
    const refused = await post(`/v1/customers/${userId}/subscription/change`, { price: 'price_team', quantity });
    t.is(refused.status, 400);
    t.like(refused.body.error, { code: 'quantity_out_of_range', param: 'quantity', min: 2, max: 10, message: `quantity ${quantity} is outside the plan's limits (2–10)` });
  }
  const fewer = await post(`/v1/customers/${userId}/subscription/change`, { price: 'price_team', quantity: 2, apply: 'now' });
  t.deepEqual(features(fewer.body), { seats: 2, team: true });
});

test.serial('refusals: a plan not in the catalog, another currency, a bad body naming every field, unknown customers, several live subscriptions', async (t) => {
  const { post, subscriber, db } = await setup(t);
  const { userId, customer } = await subscriber('price_basic');
  const loose = await post(`/v1/customers/${userId}/subscription/change`, { price: 'price_loose' });
  t.is(loose.status, 400);
  t.like(loose.body.error, { code: 'unknown_plan', param: 'price', message: 'price price_loose is not a plan of the catalog' });
  const byKey = await post(`/v1/customers/${userId}/subscription/preview`, { lookup_key: 'loose_monthly' });
  t.like(byKey.body.error, { code: 'unknown_plan', param: 'lookup_key', message: 'lookup_key loose_monthly is not a plan of the catalog' });
  const missing = await post(`/v1/customers/${userId}/subscription/change`, { price: 'price_nowhere' });
  t.like(missing.body.error, { code: 'unknown_price' });
  const euro = await post(`/v1/customers/${userId}/subscription/change`, { lookup_key: 'pro_monthly_eur' });
  t.like(euro.body.error, { code: 'currency_mismatch' });

  const bad = await post(`/v1/customers/${userId}/subscription/change`, { quantity: 0, proration_date: 'yesterday', apply: 'later', extra: true });
  t.is(bad.status, 400);
  const fields = (bad.body.error as { fields: { field: string }[] }).fields.map((field) => field.field).sort();
  t.deepEqual(fields, ['apply', 'extra', 'price', 'proration_date', 'quantity']);

  t.like((await post('/v1/customers/user_nobody_here/subscription/preview', { price: 'price_pro' })).body.error, { code: 'customer_not_found' });
  t.is((await post('/v1/customers/bad%20ref/subscription/cancel', {})).status, 400);
  const second = stripe.subscription(customer, { items: [{ price: 'price_team', product: 'prod_team', quantity: 2 }] });
  await post(`/v1/customers/${userId}/sync`, {});
  const ambiguous = await post(`/v1/customers/${userId}/subscription/change`, { price: 'price_pro' });
  t.is(ambiguous.status, 409);
  t.like(ambiguous.body.error, { code: 'subscription_ambiguous' });
  const named = await post(`/v1/customers/${userId}/subscription/preview`, { subscription: second, price: 'price_team', quantity: 4 });
  t.is(named.status, 200, JSON.stringify(named.body));
  const other = await subscriber('price_basic');
  const foreign = await post(`/v1/customers/${userId}/subscription/preview`, { subscription: other.subscription, price: 'price_pro' });
  t.like(foreign.body.error, { code: 'no_subscription' }, "another customer's subscription is not reachable");
  await db('subscriptions').where({ id: other.subscription }).update({ status: 'canceled' });
  t.like((await post(`/v1/customers/${other.userId}/subscription/cancel`, {})).body.error, { code: 'no_subscription' });
});

test.serial('cancel at period end keeps access until then and resume undoes it; cancel now ends access; resume of a running subscription is refused', async (t) => {
  const { post, subscriber } = await setup(t);
  const { userId, subscription } = await subscriber('price_pro');
  const cancel = await post(`/v1/customers/${userId}/subscription/cancel`, {}, { 'idempotency-key': uid('cancel') });
  t.is(cancel.status, 200, JSON.stringify(cancel.body));
  t.like(cancel.body.subscription, { id: subscription, cancel_at_period_end: true });
  t.deepEqual(features(cancel.body), { api_calls: 10000, basic: true, pro: true });
  t.truthy((cancel.body.entitlements as Json[])[0]?.expires_at, 'access ends at the period end');
  const resume = await post(`/v1/customers/${userId}/subscription/resume`, {});
  t.like(resume.body.subscription, { cancel_at_period_end: false });
  t.is((resume.body.entitlements as Json[])[0]?.expires_at, null);
  const refused = await post(`/v1/customers/${userId}/subscription/resume`, {});
  t.is(refused.status, 400);
  t.like(refused.body.error, { code: 'not_canceling' });
  const now_ = await post(`/v1/customers/${userId}/subscription/cancel`, { at: 'now' });
  t.like(now_.body.subscription, { status: 'canceled' });
  t.deepEqual(features(now_.body), {});
  t.true(writes.some((write) => write.method === 'DELETE' && write.path === `/v1/subscriptions/${subscription}`));
});
