import type { Knex } from 'knex';

/**
 * Usage metering: the append-only ledger every balance is computed from, and reservations held
 * against a balance for work whose cost is known later.
 *
 * `amount` counts against the balance: a consumption or a debit is positive, a credit (an admin
 * top-up, the unused rest of a reservation is never written) is negative. Rows are never updated or
 * deleted by the service; a balance is a pure function of the rows of its period.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('usage_ledger', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('customer_id').notNullable().references('customers.id').onDelete('CASCADE');
    t.text('feature').notNullable();
    /** consume | commit (a reservation settled) | adjust (admin credit or debit) | rollover */
    t.text('kind').notNullable();
    t.bigInteger('amount').notNullable();
    /** The caller's idempotency key: one row per (customer, key), whatever the retries. */
    t.text('idempotency_key').notNullable();
    /** A hash of the request body, so a key reused with another body is refused (422). */
    t.text('request_hash').notNullable();
    /** The answer given the first time, returned verbatim to a retry. */
    t.jsonb('response');
    t.uuid('reservation_id');
    t.text('reason');
    t.text('actor');
    t.jsonb('properties').notNullable().defaultTo('{}');
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.timestamp('recorded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['customer_id', 'idempotency_key']);
    t.index(['customer_id', 'feature', 'occurred_at']);
    t.index(['recorded_at']);
  });
  await knex.raw(
    `alter table usage_ledger add constraint usage_ledger_kind_check check (kind in ('consume','commit','adjust','rollover'))`,
  );

  await knex.schema.createTable('usage_reservations', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('customer_id').notNullable().references('customers.id').onDelete('CASCADE');
    t.text('feature').notNullable();
    t.bigInteger('amount').notNullable();
    /** held | committed | released | expired */
    t.text('status').notNullable().defaultTo('held');
    t.text('idempotency_key').notNullable();
    t.text('request_hash').notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('settled_at', { useTz: true });
    t.unique(['customer_id', 'idempotency_key']);
    t.index(['customer_id', 'feature', 'status']);
    t.index(['expires_at']);
  });
  await knex.raw(
    `alter table usage_reservations add constraint usage_reservations_status_check check (status in ('held','committed','released','expired'))`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('usage_reservations');
  await knex.schema.dropTable('usage_ledger');
}
