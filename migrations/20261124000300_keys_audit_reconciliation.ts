import type { Knex } from 'knex';

/** API keys (hashed), the audit trail, reconciliation runs and small durable cursors. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('api_keys', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('name').notNullable();
    /** The first characters of the key, to recognise it in listings; the key itself is never stored. */
    t.text('prefix').notNullable();
    /** SHA-256 of the key, hex. */
    t.text('hash').notNullable().unique();
    t.text('scope').notNullable();
    /** Read-only admin keys may look at Bull Board but not act in it. */
    t.boolean('read_only').notNullable().defaultTo(false);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('revoked_at', { useTz: true });
    t.check(`scope in ('read','write','admin')`, [], 'api_keys_scope_check');
  });

  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id').primary();
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    /** `key:<id>`, `worker`, `reconciliation`, `system`. */
    t.text('actor').notNullable();
    t.text('action').notNullable();
    t.text('subject_type').notNullable();
    t.text('subject_id').notNullable();
    t.uuid('customer_id').references('customers.id').onDelete('SET NULL');
    t.jsonb('before');
    t.jsonb('after');
    t.text('request_id');
    t.text('event_id');
    t.uuid('grant_id');
    t.uuid('reconciliation_run_id');
    t.text('reason');
    t.index(['customer_id', 'id'], 'audit_log_customer_idx');
    t.index(['at'], 'audit_log_at_idx');
  });

  await knex.schema.createTable('reconciliation_runs', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('status').notNullable().defaultTo('queued');
    t.text('trigger').notNullable();
    t.jsonb('params').notNullable().defaultTo('{}');
    t.integer('checked').notNullable().defaultTo(0);
    t.integer('drifted').notNullable().defaultTo(0);
    t.integer('repaired').notNullable().defaultTo(0);
    t.integer('errors').notNullable().defaultTo(0);
    /** Drift counts by kind: missing_locally, status_differs, items_differ, only_locally. */
    t.jsonb('drift').notNullable().defaultTo('{}');
    /** Where a crashed run resumes (last Stripe id seen). */
    t.text('cursor');
    t.text('error');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('started_at', { useTz: true });
    t.timestamp('finished_at', { useTz: true });
    t.integer('duration_ms');
    t.check(`status in ('queued','running','succeeded','failed')`, [], 'reconciliation_runs_status_check');
  });

  await knex.schema.createTable('sync_cursors', (t) => {
    t.text('name').primary();
    t.jsonb('value').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sync_cursors');
  await knex.schema.dropTable('reconciliation_runs');
  await knex.schema.dropTable('audit_log');
  await knex.schema.dropTable('api_keys');
}
