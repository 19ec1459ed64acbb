import type { Knex } from 'knex';

/**
 * What a dispute policy and the reconciliation of refunds and disputes need about the charge that
 * paid a subscription's latest invoice: its id (a refund or a dispute names a charge, so drift is
 * found from Stripe's account-wide lists), and the status of the latest dispute on it. Added
 * nullable columns: no rewrite; the index is built concurrently so writers are never blocked.
 */
export const config = { transaction: false };

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('subscriptions', (t) => {
    t.text('latest_invoice_charge_id');
    t.text('latest_invoice_dispute_status');
  });
  await knex.raw('create index concurrently if not exists subscriptions_latest_invoice_charge_idx on subscriptions (latest_invoice_charge_id) where latest_invoice_charge_id is not null');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index concurrently if exists subscriptions_latest_invoice_charge_idx');
  await knex.schema.alterTable('subscriptions', (t) => {
    t.dropColumn('latest_invoice_dispute_status');
    t.dropColumn('latest_invoice_charge_id');
  });
}
