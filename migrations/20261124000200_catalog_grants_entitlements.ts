import type { Knex } from 'knex';

/** The catalog mirrored from Stripe, manual grants and the materialised entitlements. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('catalog_products', (t) => {
    t.text('id').primary();
    t.text('name');
    t.boolean('active').notNullable().defaultTo(true);
    t.boolean('deleted').notNullable().defaultTo(false);
    /** Lookup keys of the product's Stripe Entitlements features. */
    t.specificType('features', 'text[]').notNullable().defaultTo('{}');
    t.jsonb('metadata').notNullable().defaultTo('{}');
    t.timestamp('synced_at', { useTz: true }).notNullable();
  });

  await knex.schema.createTable('catalog_prices', (t) => {
    t.text('id').primary();
    t.text('product_id').notNullable();
    t.text('lookup_key').unique();
    t.boolean('active').notNullable().defaultTo(true);
    t.boolean('deleted').notNullable().defaultTo(false);
    /** Money in minor units plus currency. */
    t.bigInteger('unit_amount');
    t.text('currency');
    t.text('recurring_interval');
    t.timestamp('synced_at', { useTz: true }).notNullable();
    t.index(['product_id']);
  });

  await knex.schema.createTable('grants', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('customer_id').notNullable().references('customers.id').onDelete('CASCADE');
    t.text('feature').notNullable();
    /** `true` or a number. */
    t.jsonb('value').notNullable().defaultTo('true');
    t.text('reason').notNullable();
    t.timestamp('expires_at', { useTz: true });
    t.timestamp('revoked_at', { useTz: true });
    t.text('revoked_reason');
    /** Set by the sweep that records an expiry in the audit log. */
    t.timestamp('expiry_recorded_at', { useTz: true });
    t.text('created_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['customer_id']);
    t.index(['expires_at'], 'grants_expires_at_idx');
  });

  await knex.schema.createTable('entitlements', (t) => {
    t.uuid('customer_id').primary().references('customers.id').onDelete('CASCADE');
    /** The computed feature list: [{feature, value, sources, expires_at}]. */
    t.jsonb('features').notNullable().defaultTo('[]');
    t.timestamp('next_change_at', { useTz: true });
    t.timestamp('computed_at', { useTz: true }).notNullable();
    t.bigInteger('version').notNullable().defaultTo(1);
    t.index(['next_change_at'], 'entitlements_next_change_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('entitlements');
  await knex.schema.dropTable('grants');
  await knex.schema.dropTable('catalog_prices');
  await knex.schema.dropTable('catalog_products');
}
