import type Stripe from 'stripe';
import type { Knex } from 'knex';
import type { DriftKind } from '../../../shared/reconcile/runs.js';
import { itemRows, subscriptionRow, type ItemRow, type SubscriptionRow } from '../../../shared/sync/stripe-rows.js';
import type { SimContext } from '../../stripe-sim/context.js';
import { buildCustomer } from '../../stripe-sim/objects/customer.js';
import { buildInvoice } from '../../stripe-sim/objects/invoice.js';
import { buildSubscription } from '../../stripe-sim/objects/subscription.js';

/**
 * The account the reconciliation benchmark pages through, built straight into the simulator's
 * store (its API would bill and emit events for each object, and recompute every customer's
 * entitlements over the whole store on each create), and the mirror the webhooks would have left,
 * with drift:
 * - every 100th subscription, in turn: missing locally, another status locally, another quantity locally;
 * - one customer in 500 was deleted at Stripe (which lists none of its subscriptions), while the
 *   mirror still holds its two as active: `only_locally`.
 * Every live customer has a pro and a team subscription, each with a paid latest invoice.
 */

export interface BenchAccount {
  /** Subscriptions Stripe lists (status all). */
  listed: number;
  expected: Record<DriftKind, number>;
  customers: { stripe_customer_id: string; user_id: string; email: string | null }[];
  subscriptions: SubscriptionRow[];
  items: ItemRow[];
}

const listedDrift = ['missing_locally', 'status_differs', 'items_differ'] as const;

/** Builds `subscriptions` (even) listed subscriptions plus the deleted customers' in `ctx.store`; returns the mirror rows. */
export function buildBenchAccount(ctx: SimContext, subscriptions: number, start: number): BenchAccount {
  const { store } = ctx;
  const pro = store.prices.get('price_pro_monthly');
  const team = store.prices.get('price_team_monthly');
  if (!pro || !team) throw new Error('the simulator seed lacks price_pro_monthly or price_team_monthly');
  const account: BenchAccount = { listed: 0, expected: { missing_locally: 0, status_differs: 0, items_differ: 0, only_locally: 0, refund_differs: 0, dispute_differs: 0, balance_differs: 0, meter_missing: 0, meter_over_billed: 0 }, customers: [], subscriptions: [], items: [] };
  const customers = subscriptions / 2;
  const deletedEvery = 500;
  for (let c = 0; c < customers + Math.floor(customers / deletedEvery); c += 1) {
    // Creation times spread over the past: Stripe lists newest first by `created`.
    ctx.clock.set(start + c * 60);
    const userId = `user_bench${c}`;
    const customer = buildCustomer(ctx, { email: `${userId}@example.test`, metadata: { user_id: userId } });
    store.customers.set(customer.id, customer);
    account.customers.push({ stripe_customer_id: customer.id, user_id: userId, email: customer.email });
    const deleted = c >= customers;
    for (const [price, quantity] of [[pro, 1], [team, 3]] as const) {
      const now = ctx.clock.now();
      const period = { start: now, end: now + 30 * 86_400 };
      const subscription = buildSubscription(ctx, { customer: customer.id, currency: 'usd', items: [{ price, quantity }], status: 'active', period, trial: null });
      const invoice = buildInvoice(ctx, { customer, subscription, billingReason: 'subscription_create', period });
      Object.assign(invoice, { status: 'paid', amount_paid: invoice.total, amount_remaining: 0, status_transitions: { ...invoice.status_transitions, finalized_at: now, paid_at: now } });
      subscription.latest_invoice = invoice.id;
      store.invoices.set(invoice.id, invoice);
      if (!deleted) store.subscriptions.set(subscription.id, subscription);
      const listedIndex = account.listed;
      if (!deleted) account.listed += 1;
      const kind: DriftKind | undefined = deleted ? 'only_locally' : listedIndex % 100 === 0 ? listedDrift[(listedIndex / 100) % 3] : undefined;
      if (kind) account.expected[kind] += 1;
      if (kind === 'missing_locally') continue;
      const row = subscriptionRow({ ...subscription, latest_invoice: invoice }, false);
      const items = itemRows(subscription);
      if (kind === 'status_differs') row.status = 'past_due';
      if (kind === 'items_differ') items[0].quantity += 1;
      account.subscriptions.push(row);
      account.items.push(...items);
    }
    if (deleted) store.customers.set(customer.id, { id: customer.id, object: 'customer', deleted: true } satisfies Stripe.DeletedCustomer);
  }
  return account;
}

/** Writes the mirror (synced an hour ago) in a few multi-row inserts. */
export async function writeBenchMirror(db: Knex, account: BenchAccount): Promise<void> {
  const syncedAt = new Date(Date.now() - 3_600_000);
  const chunk = 1000;
  const customerIds = new Map<string, string>();
  for (let at = 0; at < account.customers.length; at += chunk) {
    const rows = account.customers.slice(at, at + chunk).map((customer) => ({ ...customer, metadata: JSON.stringify({ user_id: customer.user_id }), synced_at: syncedAt }));
    const inserted = await db('customers').insert(rows).returning<{ id: string; stripe_customer_id: string }[]>(['id', 'stripe_customer_id']);
    for (const row of inserted) customerIds.set(row.stripe_customer_id, row.id);
  }
  for (let at = 0; at < account.subscriptions.length; at += chunk) {
    await db('subscriptions').insert(account.subscriptions.slice(at, at + chunk).map((row) => ({ ...row, customer_id: customerIds.get(row.stripe_customer_id), synced_at: syncedAt })));
  }
  for (let at = 0; at < account.items.length; at += chunk) await db('subscription_items').insert(account.items.slice(at, at + chunk));
  await db.raw('analyze customers, subscriptions, subscription_items');
}
