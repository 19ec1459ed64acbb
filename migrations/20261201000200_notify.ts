import type { Knex } from 'knex';

/**
 * Telling apps what changed: the `stream` key scope, outbound webhook endpoints and their deliveries.
 * (The per-customer entitlement `version` already lives on `entitlements`; from here on it moves only
 * when the stored list changes.)
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table api_keys drop constraint api_keys_scope_check');
  await knex.raw(`alter table api_keys add constraint api_keys_scope_check check (scope in ('read','write','admin','stream'))`);

  await knex.schema.createTable('webhook_endpoints', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('url').notNullable();
    t.text('description');
    /** Event types delivered here; `*` means every type. */
    t.specificType('events', 'text[]').notNullable();
    /** The signing secret (`whsec_…`): kept to sign, shown once at creation and at each rotation. */
    t.text('secret').notNullable();
    /** After a rotation the old secret also signs until this time, so receivers can switch without a gap. */
    t.text('previous_secret');
    t.timestamp('previous_secret_expires_at', { useTz: true });
    t.boolean('enabled').notNullable().defaultTo(true);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('webhook_deliveries', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('endpoint_id').notNullable().references('webhook_endpoints.id').onDelete('CASCADE');
    t.text('event_id').notNullable();
    t.text('event_type').notNullable();
    t.jsonb('payload').notNullable();
    t.text('status').notNullable().defaultTo('pending');
    t.integer('attempts').notNullable().defaultTo(0);
    t.integer('last_status_code');
    t.text('last_error');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('delivered_at', { useTz: true });
    t.unique(['endpoint_id', 'event_id']);
    t.index(['endpoint_id', 'status']);
    t.check(`status in ('pending','succeeded','dead')`, [], 'webhook_deliveries_status_check');
  });
}

/** Refuses while `stream` keys exist (revoke and delete them first): the old check would reject them. */
export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('webhook_deliveries');
  await knex.schema.dropTable('webhook_endpoints');
  await knex.raw('alter table api_keys drop constraint api_keys_scope_check');
  await knex.raw(`alter table api_keys add constraint api_keys_scope_check check (scope in ('read','write','admin'))`);
}
