import type { Knex } from 'knex';
import type { CustomerSnapshot } from './fetch-customer.js';
import { itemRows, latestInvoiceRefunded, subscriptionRow } from './stripe-rows.js';

/**
 * Writes a snapshot into the mirror, compare-and-set on the fetch's start time: a row is only
 * overwritten by a fetch that started later than the one that wrote it, so a slow, older fetch
 * never undoes a newer one. Returns the local customer id.
 */
export async function writeSnapshot(trx: Knex.Transaction, snapshot: CustomerSnapshot, linkUserId?: string): Promise<string> {
  const { customer, fetchStartedAt } = snapshot;
  const live = customer.deleted ? undefined : customer;
  const userId = linkUserId ?? live?.metadata.user_id ?? null;
  // A user id already linked to another customer stays there (one user, one customer).
  const userFree = userId ? !(await trx('customers').where({ user_id: userId }).whereNot({ stripe_customer_id: customer.id }).first('id')) : false;
  const row = {
    stripe_customer_id: customer.id,
    user_id: userFree ? userId : null,
    email: live?.email ?? null,
    name: live?.name ?? null,
    metadata: JSON.stringify(live?.metadata ?? {}),
    deleted: customer.deleted === true,
    synced_at: fetchStartedAt,
  };
  await trx.raw(
    `insert into customers (stripe_customer_id, user_id, email, name, metadata, deleted, synced_at)
     values (:stripe_customer_id, :user_id, :email, :name, :metadata, :deleted, :synced_at)
     on conflict (stripe_customer_id) do update set
       user_id = coalesce(customers.user_id, excluded.user_id),
       email = excluded.email, name = excluded.name, metadata = excluded.metadata, deleted = excluded.deleted,
       synced_at = excluded.synced_at, updated_at = now()
     where customers.synced_at is null or customers.synced_at < excluded.synced_at`,
    row,
  );
  const { id: customerId } = await trx('customers').where({ stripe_customer_id: customer.id }).forUpdate().first<{ id: string }>('id');

  if (customer.deleted) {
    // Deleting a customer cancels its subscriptions at Stripe; the local rows are kept, marked so.
    await trx('subscriptions').where({ customer_id: customerId }).whereNot({ status: 'canceled' }).where('synced_at', '<', fetchStartedAt)
      .update({ status: 'canceled', synced_at: fetchStartedAt });
    return customerId;
  }

  for (const subscription of snapshot.subscriptions) {
    const sub = subscriptionRow(subscription, latestInvoiceRefunded(subscription, snapshot.refundedCharges, snapshot.refundedIntents));
    const written = await trx.raw<{ rows: { id: string }[] }>(
      `insert into subscriptions (id, customer_id, stripe_customer_id, status, cancel_at_period_end, cancel_at, canceled_at, ended_at, trial_end,
         past_due_since, latest_invoice_id, latest_invoice_status, latest_invoice_refunded, currency, metadata, stripe_created, synced_at)
       values (:id, :customer_id, :stripe_customer_id, :status, :cancel_at_period_end, :cancel_at, :canceled_at, :ended_at, :trial_end,
         :past_due_since, :latest_invoice_id, :latest_invoice_status, :latest_invoice_refunded, :currency, :metadata, :stripe_created, :synced_at)
       on conflict (id) do update set
         status = excluded.status, cancel_at_period_end = excluded.cancel_at_period_end, cancel_at = excluded.cancel_at,
         canceled_at = excluded.canceled_at, ended_at = excluded.ended_at, trial_end = excluded.trial_end,
         past_due_since = case when excluded.status = 'past_due' then coalesce(subscriptions.past_due_since, excluded.past_due_since) end,
         latest_invoice_id = excluded.latest_invoice_id, latest_invoice_status = excluded.latest_invoice_status,
         latest_invoice_refunded = excluded.latest_invoice_refunded, currency = excluded.currency, metadata = excluded.metadata,
         synced_at = excluded.synced_at
       where subscriptions.synced_at < excluded.synced_at
       returning id`,
      { ...sub, customer_id: customerId, past_due_since: sub.status === 'past_due' ? fetchStartedAt : null, synced_at: fetchStartedAt },
    );
    if (written.rows.length === 0) continue;
    const items = itemRows(subscription);
    await trx('subscription_items').where({ subscription_id: subscription.id }).whereNotIn('id', items.map((item) => item.id)).delete();
    if (items.length > 0) await trx('subscription_items').insert(items).onConflict('id').merge();
  }
  return customerId;
}
