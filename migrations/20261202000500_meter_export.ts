import type { Knex } from 'knex';

/**
 * Export of metered usage to Stripe Billing Meters.
 *
 * `meter_export_windows`: what was (or is to be) reported for one customer, meter and time window.
 * Usage that arrives for a window after it was reported becomes a further part of the same window,
 * so a row is never changed once reported and each part's `identifier` (derived from customer,
 * meter, window and part) is sent unchanged however often it is retried: Stripe counts it once.
 *
 * `meter_export_boundaries`: billing period boundaries (an invoice's period end, a subscription's
 * end) where windows are split, so usage on each side is reported inside its own period.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('meter_export_windows', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('customer_id').notNullable().references('customers.id').onDelete('CASCADE');
    /** The Stripe meter's `event_name`. */
    t.text('event_name').notNullable();
    t.timestamp('window_start', { useTz: true }).notNullable();
    t.timestamp('window_end', { useTz: true }).notNullable();
    /** 1 for the window's first report; later usage of the same window adds parts. */
    t.integer('part').notNullable();
    t.bigInteger('quantity').notNullable();
    t.text('identifier').notNullable().unique();
    /** pending | sent | failed (refused by Stripe) | expired (older than Stripe's 35 days: reported, never sent) */
    t.text('status').notNullable().defaultTo('pending');
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('last_error');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('sent_at', { useTz: true });
    t.unique(['customer_id', 'event_name', 'window_start', 'part']);
  });
  await knex.raw(`alter table meter_export_windows add constraint meter_export_windows_status_check check (status in ('pending','sent','failed','expired'))`);
  await knex.raw(`create index meter_export_windows_unsent on meter_export_windows (customer_id, window_start) where status <> 'sent'`);

  await knex.schema.createTable('meter_export_boundaries', (t) => {
    t.uuid('customer_id').notNullable().references('customers.id').onDelete('CASCADE');
    t.timestamp('at', { useTz: true }).notNullable();
    t.text('source').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['customer_id', 'at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('meter_export_boundaries');
  await knex.schema.dropTable('meter_export_windows');
}
