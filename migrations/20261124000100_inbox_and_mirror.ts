import type { Knex } from 'knex';

/**
 * The inbox of Stripe events and the local mirror of customers and subscriptions.
 * Duplicates are impossible by construction: the inbox key is the event id, and every mirrored
 * object is keyed by its Stripe id.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('stripe_events', (t) => {
    t.text('id').primary();
    t.text('type').notNullable();
    t.text('api_version');
    t.boolean('livemode').notNullable().defaultTo(false);
    t.timestamp('stripe_created', { useTz: true });
    t.jsonb('payload').notNullable();
    t.text('status').notNullable().defaultTo('received');
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('last_error');
    t.text('correlation_id');
    /** The Stripe customer this event concerns, once routed: its sync marks the event processed. */
    t.text('customer_id');
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('queued_at', { useTz: true });
    t.timestamp('processed_at', { useTz: true });
    t.check(`status in ('received','queued','processed','ignored','failed','dead')`, [], 'stripe_events_status_check');
    t.index(['status', 'received_at'], 'stripe_events_status_received_idx');
    t.index(['type', 'received_at'], 'stripe_events_type_received_idx');
    t.index(['customer_id', 'status'], 'stripe_events_customer_status_idx');
  });

  await knex.schema.createTable('customers', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('stripe_customer_id').unique();
    t.text('user_id').unique();
    t.text('email');
    t.text('name');
    t.jsonb('metadata').notNullable().defaultTo('{}');
    t.boolean('deleted').notNullable().defaultTo(false);
    /** Feature lookup keys of Stripe's active entitlement summary for this customer. */
    t.specificType('stripe_active_entitlements', 'text[]').notNullable().defaultTo('{}');
    /** Start time of the Stripe fetch that produced this row: the compare-and-set guard. */
    t.timestamp('synced_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check('stripe_customer_id is not null or user_id is not null', [], 'customers_has_identity');
  });

  await knex.schema.createTable('subscriptions', (t) => {
    t.text('id').primary();
    t.uuid('customer_id').notNullable().references('customers.id').onDelete('CASCADE');
    t.text('stripe_customer_id').notNullable();
    t.text('status').notNullable();
    t.boolean('cancel_at_period_end').notNullable().defaultTo(false);
    t.timestamp('cancel_at', { useTz: true });
    t.timestamp('canceled_at', { useTz: true });
    t.timestamp('ended_at', { useTz: true });
    t.timestamp('trial_end', { useTz: true });
    /** When the service first saw this subscription past_due (grace period starts here). */
    t.timestamp('past_due_since', { useTz: true });
    t.text('latest_invoice_id');
    t.text('latest_invoice_status');
    /** The charge paying the latest invoice is fully refunded: no access until a later invoice is paid. */
    t.boolean('latest_invoice_refunded').notNullable().defaultTo(false);
    t.text('currency');
    t.jsonb('metadata').notNullable().defaultTo('{}');
    t.timestamp('stripe_created', { useTz: true });
    t.timestamp('synced_at', { useTz: true }).notNullable();
    t.index(['customer_id']);
    t.index(['stripe_customer_id']);
  });

  await knex.schema.createTable('subscription_items', (t) => {
    t.text('id').primary();
    t.text('subscription_id').notNullable().references('subscriptions.id').onDelete('CASCADE');
    t.text('price_id').notNullable();
    t.text('product_id').notNullable();
    t.text('lookup_key');
    t.integer('quantity').notNullable().defaultTo(1);
    /** Money in minor units. */
    t.bigInteger('unit_amount');
    t.timestamp('current_period_start', { useTz: true });
    t.timestamp('current_period_end', { useTz: true });
    t.index(['subscription_id']);
    t.check('quantity >= 0', [], 'subscription_items_quantity_check');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('subscription_items');
  await knex.schema.dropTable('subscriptions');
  await knex.schema.dropTable('customers');
  await knex.schema.dropTable('stripe_events');
}
