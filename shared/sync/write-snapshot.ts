import type { Knex } from 'knex';
import { preparedStatement } from '../infra/db.js';
import type { CustomerRef } from '../entitlements/stored-entitlement.js';
import type { CustomerSnapshot } from './fetch-customer.js';
import { itemRows, latestInvoiceDisputeStatus, latestInvoiceRefunded, subscriptionRow } from './stripe-rows.js';

/**
 * One subscription and its items in one statement: the row compare-and-set on `synced_at`, and only
 * when it was written, its items replaced by the fetched ones (items gone from Stripe deleted, the
 * rest upserted).
 */
const writeSubscription = preparedStatement('sync-subscription', `
  with written as (
    insert into subscriptions (id, customer_id, stripe_customer_id, status, cancel_at_period_end, cancel_at, canceled_at, ended_at, trial_end,
      past_due_since, latest_invoice_id, latest_invoice_status, latest_invoice_refunded, latest_invoice_charge_id, latest_invoice_dispute_status,
      currency, metadata, stripe_created, synced_at)
    values (:id, :customer_id, :stripe_customer_id, :status, :cancel_at_period_end, :cancel_at, :canceled_at, :ended_at, :trial_end,
      :past_due_since, :latest_invoice_id, :latest_invoice_status, :latest_invoice_refunded, :latest_invoice_charge_id, :latest_invoice_dispute_status,
      :currency, :metadata, :stripe_created, :synced_at)
    on conflict (id) do update set
      status = excluded.status, cancel_at_period_end = excluded.cancel_at_period_end, cancel_at = excluded.cancel_at,
      canceled_at = excluded.canceled_at, ended_at = excluded.ended_at, trial_end = excluded.trial_end,
      past_due_since = case when excluded.status = 'past_due' then coalesce(subscriptions.past_due_since, excluded.past_due_since) end,
      latest_invoice_id = excluded.latest_invoice_id, latest_invoice_status = excluded.latest_invoice_status,
      latest_invoice_refunded = excluded.latest_invoice_refunded, latest_invoice_charge_id = excluded.latest_invoice_charge_id,
      latest_invoice_dispute_status = excluded.latest_invoice_dispute_status, currency = excluded.currency, metadata = excluded.metadata,
      synced_at = excluded.synced_at
    where subscriptions.synced_at < excluded.synced_at
    returning id),
  fetched as (
    select * from json_to_recordset(:items::json) as item(id text, subscription_id text, price_id text, product_id text, lookup_key text,
      quantity integer, unit_amount bigint, currency text, current_period_start timestamptz, current_period_end timestamptz)),
  removed as (
    delete from subscription_items where subscription_id in (select id from written) and id not in (select id from fetched))
  insert into subscription_items (id, subscription_id, price_id, product_id, lookup_key, quantity, unit_amount, currency, current_period_start, current_period_end)
  select id, subscription_id, price_id, product_id, lookup_key, quantity, unit_amount, currency, current_period_start, current_period_end
    from fetched where exists (select 1 from written)
  on conflict (id) do update set
    subscription_id = excluded.subscription_id, price_id = excluded.price_id, product_id = excluded.product_id, lookup_key = excluded.lookup_key,
    quantity = excluded.quantity, unit_amount = excluded.unit_amount, currency = excluded.currency, current_period_start = excluded.current_period_start,
    current_period_end = excluded.current_period_end`);

/**
 * A user id already linked to another customer stays there (one user, one customer). The upsert
 * locks the row whether or not the compare-and-set lets it write; an older fetch reads it instead.
 */
const upsertCustomer = preparedStatement<CustomerRef>('sync-customer', `
  insert into customers (stripe_customer_id, user_id, email, name, metadata, deleted, synced_at)
  values (:stripe_customer_id,
    (select :user_id::text where not exists (select 1 from customers where user_id = :user_id::text and stripe_customer_id <> :stripe_customer_id::text)),
    :email, :name, :metadata, :deleted, :synced_at)
  on conflict (stripe_customer_id) do update set
    user_id = coalesce(customers.user_id, excluded.user_id),
    email = excluded.email, name = excluded.name, metadata = excluded.metadata, deleted = excluded.deleted,
    synced_at = excluded.synced_at, updated_at = now()
  where customers.synced_at is null or customers.synced_at < excluded.synced_at
  returning id, stripe_customer_id, user_id`);

/**
 * Writes a snapshot into the mirror, compare-and-set on the fetch's start time: a row is only
 * overwritten by a fetch that started later than the one that wrote it, so a slow, older fetch
 * never undoes a newer one. Returns the local customer row, locked for the rest of the transaction.
 */
export async function writeSnapshot(trx: Knex.Transaction, snapshot: CustomerSnapshot, linkUserId?: string): Promise<CustomerRef> {
  const { customer, fetchStartedAt } = snapshot;
  const live = customer.deleted ? undefined : customer;
  const row = {
    stripe_customer_id: customer.id,
    user_id: linkUserId ?? live?.metadata.user_id ?? null,
    email: live?.email ?? null,
    name: live?.name ?? null,
    metadata: JSON.stringify(live?.metadata ?? {}),
    deleted: customer.deleted === true,
    synced_at: fetchStartedAt,
  };
  const [upserted] = await upsertCustomer(trx, row);
  const locked = upserted ?? await trx('customers').where({ stripe_customer_id: customer.id }).forUpdate().first<CustomerRef>('id', 'stripe_customer_id', 'user_id');

  if (customer.deleted) {
    // Deleting a customer cancels its subscriptions at Stripe; the local rows are kept, marked so.
    await trx('subscriptions').where({ customer_id: locked.id }).whereNot({ status: 'canceled' }).where('synced_at', '<', fetchStartedAt)
      .update({ status: 'canceled', synced_at: fetchStartedAt });
    return locked;
  }

  for (const subscription of snapshot.subscriptions) {
    const refunded = latestInvoiceRefunded(subscription, snapshot.refundedCharges, snapshot.refundedIntents);
    const sub = subscriptionRow(subscription, refunded, latestInvoiceDisputeStatus(subscription, snapshot.disputes));
    await writeSubscription(trx, {
      ...sub,
      customer_id: locked.id,
      past_due_since: sub.status === 'past_due' ? fetchStartedAt : null,
      synced_at: fetchStartedAt,
      items: JSON.stringify(itemRows(subscription, snapshot.priceAmounts)),
    });
  }
  return locked;
}
