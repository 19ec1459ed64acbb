import test, { type ExecutionContext } from 'ava';
import { createDb, type Db } from '../../shared/infra/db.js';
import type { Stripe } from '../../shared/infra/stripe.js';
import type { CustomerSnapshot } from '../../shared/sync/fetch-customer.js';
import { writeSnapshot } from '../../shared/sync/write-snapshot.js';
import { createTestDatabase } from '../support/database.js';
import { StripeState, uid, type Json } from '../support/stripe-state.js';

/** The sync writer on its own: snapshots as fetchCustomer returns them, written into a database of the test's own. */
async function mirror(t: ExecutionContext): Promise<Db> {
  const database = await createTestDatabase();
  const db = createDb({ url: database.url, poolMax: 2 });
  t.teardown(async () => { await db.destroy(); await database.drop(); });
  return db;
}

const at = (iso: string) => new Date(iso);
const clone = <T>(value: T): T => structuredClone(value);

function snapshotOf(stripe: StripeState, customer: string, fetchStartedAt: Date, refunded: { charges?: string[] } = {}): CustomerSnapshot {
  const subscriptions = [...stripe.subscriptions.values()].filter((sub) => sub.customer === customer)
    .map((sub) => clone({ ...sub, customer: stripe.customers.get(customer) }) as unknown as Stripe.Subscription);
  return {
    fetchStartedAt, customer: clone(stripe.customers.get(customer)) as unknown as Stripe.Customer, subscriptions,
    refundedCharges: new Set(refunded.charges ?? []), refundedIntents: new Set(), disputes: new Map(),
  };
}

const write = (db: Db, snapshot: CustomerSnapshot, linkUserId?: string) => db.transaction((trx) => writeSnapshot(trx, snapshot, linkUserId));
const customerRow = (db: Db, id: string) => db('customers').where({ stripe_customer_id: id }).first('user_id', 'email', 'name', 'metadata', 'deleted', 'synced_at');
const subscriptionRows = (db: Db, customer: string) => db('subscriptions').where({ stripe_customer_id: customer }).orderBy('id')
  .select('id', 'status', 'cancel_at_period_end', 'past_due_since', 'latest_invoice_status', 'latest_invoice_refunded', 'currency', 'synced_at');
const itemRows = (db: Db, subscription: string) => db('subscription_items').where({ subscription_id: subscription }).orderBy('id')
  .select('id', 'price_id', 'product_id', 'lookup_key', 'quantity', 'unit_amount');

test('a first snapshot writes the customer, its subscriptions and their items as Stripe has them', async (t) => {
  const db = await mirror(t);
  const stripe = new StripeState();
  const userId = uid('user');
  const customer = stripe.customer(uid('cus'), { email: 'ada@example.com', name: 'Ada', metadata: { user_id: userId, plan: 'team' } });
  const paid = stripe.subscription(customer, { created: 1_767_000_000, items: [{ price: 'price_team', product: 'prod_team', quantity: 4 }, { price: 'price_pro', product: 'prod_pro', lookupKey: 'pro_monthly' }] });
  stripe.update(paid, { trial_end: 1_767_100_000 });
  const unbilled = stripe.subscription(customer, { id: `sub_${'z'.repeat(12)}`, latestInvoice: null, items: [{ price: 'price_pro', product: 'prod_pro' }] });
  const charge = stripe.latestCharge(paid)!;
  const fetched = at('2026-01-01T00:00:00Z');

  const written = await write(db, snapshotOf(stripe, customer, fetched, { charges: [charge] }));
  t.like(written, { stripe_customer_id: customer, user_id: userId });
  t.deepEqual(await customerRow(db, customer), { user_id: userId, email: 'ada@example.com', name: 'Ada', metadata: { user_id: userId, plan: 'team' }, deleted: false, synced_at: fetched });
  t.deepEqual(await subscriptionRows(db, customer), [
    { id: paid, status: 'active', cancel_at_period_end: false, past_due_since: null, latest_invoice_status: 'paid', latest_invoice_refunded: true, currency: 'usd', synced_at: fetched },
    { id: unbilled, status: 'active', cancel_at_period_end: false, past_due_since: null, latest_invoice_status: null, latest_invoice_refunded: false, currency: 'usd', synced_at: fetched },
  ]);
  t.deepEqual(await db('subscriptions').where({ id: paid }).first('stripe_created', 'trial_end', 'cancel_at', 'canceled_at', 'ended_at', 'latest_invoice_id'), {
    stripe_created: new Date(1_767_000_000_000), trial_end: new Date(1_767_100_000_000), cancel_at: null, canceled_at: null, ended_at: null,
    latest_invoice_id: (stripe.subscriptions.get(paid) as { latest_invoice: { id: string } }).latest_invoice.id,
  });
  t.is((await db('subscriptions').where({ id: unbilled }).first('latest_invoice_id'))?.latest_invoice_id, null);
  const items = (stripe.subscriptions.get(paid) as { items: { data: Json[] } }).items.data;
  t.deepEqual(await itemRows(db, paid), [
    { id: items[0].id, price_id: 'price_team', product_id: 'prod_team', lookup_key: null, quantity: 4, unit_amount: 1500 },
    { id: items[1].id, price_id: 'price_pro', product_id: 'prod_pro', lookup_key: 'pro_monthly', quantity: 1, unit_amount: 1500 },
  ]);
});

test('a newer snapshot replaces items (gone ones deleted), and past_due_since keeps the first time it was seen', async (t) => {
  const db = await mirror(t);
  const stripe = new StripeState();
  const customer = stripe.customer();
  const subscription = stripe.subscription(customer, { items: [{ price: 'price_a', product: 'prod_a' }, { price: 'price_b', product: 'prod_b' }] });
  const sub = stripe.subscriptions.get(subscription) as { items: { data: Json[] } };
  await write(db, snapshotOf(stripe, customer, at('2026-01-01T00:00:00Z')));

  const [kept, gone] = sub.items.data;
  sub.items.data = [{ ...kept, quantity: 3 }, { ...kept, id: `${String(kept.id)}_new`, price: { ...(kept.price as Json), id: 'price_c', product: 'prod_c' } }];
  stripe.update(subscription, { status: 'past_due' });
  const firstSeen = at('2026-01-02T00:00:00Z');
  await write(db, snapshotOf(stripe, customer, firstSeen));
  t.deepEqual((await itemRows(db, subscription)).map(({ id, price_id, quantity }) => ({ id, price_id, quantity })), [
    { id: kept.id, price_id: 'price_a', quantity: 3 },
    { id: `${String(kept.id)}_new`, price_id: 'price_c', quantity: 1 },
  ]);
  t.false((await itemRows(db, subscription)).some((item) => item.id === gone.id), 'an item gone from Stripe is deleted');
  t.deepEqual((await subscriptionRows(db, customer))[0].past_due_since, firstSeen);

  await write(db, snapshotOf(stripe, customer, at('2026-01-03T00:00:00Z')));
  t.deepEqual((await subscriptionRows(db, customer))[0].past_due_since, firstSeen, 'still past due: the grace period runs from the first sighting');
  stripe.update(subscription, { status: 'active' });
  await write(db, snapshotOf(stripe, customer, at('2026-01-04T00:00:00Z')));
  t.like((await subscriptionRows(db, customer))[0], { status: 'active', past_due_since: null });
});

test('an older snapshot changes no row, not even the items, and still returns the customer', async (t) => {
  const db = await mirror(t);
  const stripe = new StripeState();
  const bystander = stripe.customer();
  await write(db, snapshotOf(stripe, bystander, at('2026-01-01T00:00:00Z')));
  const customer = stripe.customer(uid('cus'), { email: 'new@example.com' });
  const subscription = stripe.subscription(customer, { items: [{ price: 'price_a', product: 'prod_a', quantity: 2 }] });
  const newer = snapshotOf(stripe, customer, at('2026-01-02T00:00:00Z'));
  const sub = stripe.subscriptions.get(subscription) as { items: { data: Json[] } };
  Object.assign(stripe.customers.get(customer)!, { email: 'old@example.com' });
  stripe.update(subscription, { status: 'canceled' });
  sub.items.data = [{ ...sub.items.data[0], quantity: 9 }, { ...sub.items.data[0], id: 'si_old_extra' }];
  const older = snapshotOf(stripe, customer, at('2026-01-01T00:00:00Z'));

  const first = await write(db, newer);
  const before = { customer: await customerRow(db, customer), subscriptions: await subscriptionRows(db, customer), items: await itemRows(db, subscription) };
  const second = await write(db, older);
  t.like(first, { stripe_customer_id: customer });
  t.deepEqual(second, first, 'the row the older write locked and returned');
  t.deepEqual({ customer: await customerRow(db, customer), subscriptions: await subscriptionRows(db, customer), items: await itemRows(db, subscription) }, before);
});

test('a user id: the link asked for wins over metadata, one already linked elsewhere is not taken, and a linked one is never replaced', async (t) => {
  const db = await mirror(t);
  const stripe = new StripeState();
  const fetched = at('2026-01-01T00:00:00Z');
  const first = stripe.customer(uid('cus'), { metadata: { user_id: 'user_meta' } });
  t.like(await write(db, snapshotOf(stripe, first, fetched), 'user_checkout'), { user_id: 'user_checkout' });

  const second = stripe.customer(uid('cus'), { metadata: { user_id: 'user_checkout' } });
  t.like(await write(db, snapshotOf(stripe, second, fetched)), { user_id: null }, 'one user, one customer');
  t.is((await customerRow(db, second))?.user_id, null);

  Object.assign(stripe.customers.get(first)!, { metadata: { user_id: 'user_other' } });
  await write(db, snapshotOf(stripe, first, at('2026-01-02T00:00:00Z')));
  t.is((await customerRow(db, first))?.user_id, 'user_checkout');
});

test('a deleted customer: the row is marked deleted and cleared, and only subscriptions older than the fetch are canceled', async (t) => {
  const db = await mirror(t);
  const stripe = new StripeState();
  const customer = stripe.customer(uid('cus'), { email: 'gone@example.com', name: 'Gone', metadata: { user_id: 'user_gone' } });
  const older = stripe.subscription(customer, { items: [{ price: 'price_a', product: 'prod_a' }] });
  const newer = stripe.subscription(customer, { items: [{ price: 'price_b', product: 'prod_b' }] });
  const ended = stripe.subscription(customer, { status: 'canceled', items: [{ price: 'price_c', product: 'prod_c' }] });
  const neighbour = stripe.customer();
  const neighbours = stripe.subscription(neighbour, { items: [{ price: 'price_a', product: 'prod_a' }] });
  await write(db, snapshotOf(stripe, customer, at('2026-01-01T00:00:00Z')));
  await write(db, snapshotOf(stripe, neighbour, at('2026-01-01T00:00:00Z')));
  // A later fetch of the second subscription alone (as reconciliation writes it) stands for a write newer than the deletion fetch.
  await db('subscriptions').where({ id: newer }).update({ synced_at: at('2026-01-03T00:00:00Z') });

  stripe.deleteCustomer(customer);
  const deletedAt = at('2026-01-02T00:00:00Z');
  const written = await write(db, { fetchStartedAt: deletedAt, customer: stripe.customers.get(customer) as unknown as Stripe.DeletedCustomer, subscriptions: [], refundedCharges: new Set(), refundedIntents: new Set(), disputes: new Map() });
  t.like(written, { stripe_customer_id: customer, user_id: 'user_gone' });
  t.deepEqual(await customerRow(db, customer), { user_id: 'user_gone', email: null, name: null, metadata: {}, deleted: true, synced_at: deletedAt });
  t.deepEqual((await subscriptionRows(db, customer)).map(({ id, status, synced_at }) => ({ id, status, synced_at })), [
    { id: older, status: 'canceled', synced_at: deletedAt },
    { id: newer, status: 'active', synced_at: at('2026-01-03T00:00:00Z') },
    { id: ended, status: 'canceled', synced_at: at('2026-01-01T00:00:00Z') },
  ].sort((a, b) => a.id.localeCompare(b.id)), 'an already canceled subscription is left as it was');
  t.like(await db('subscriptions').where({ id: neighbours }).first(), { status: 'active', synced_at: at('2026-01-01T00:00:00Z') }, 'another customer\'s subscription is untouched');
});
