import type { Knex } from 'knex';

/**
 * Indexes for the admin console's pages, built without blocking writes (`concurrently`, hence no
 * transaction): a customer's newest inbox events (the timeline and the "last event" column of the
 * customer list read one customer's events by time, which the (customer_id, status) index cannot
 * order), and a customer's usage ledger rows newest first.
 */
export const config = { transaction: false };

export async function up(knex: Knex): Promise<void> {
  await knex.raw('create index concurrently if not exists stripe_events_customer_received_idx on stripe_events (customer_id, received_at desc)');
  await knex.raw('create index concurrently if not exists usage_ledger_customer_id_idx on usage_ledger (customer_id, id desc)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index concurrently if exists usage_ledger_customer_id_idx');
  await knex.raw('drop index concurrently if exists stripe_events_customer_received_idx');
}
