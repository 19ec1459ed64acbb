import type { Knex } from 'knex';

/**
 * Customers a reconciliation run found drifted but could not repair yet (Stripe or Postgres
 * failing transiently), with how many drifted subscriptions each holds: the run keeps repairing
 * them, and a resumed run starts with them. An added column with a constant default: no rewrite.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('reconciliation_runs', (t) => {
    t.jsonb('unrepaired').notNullable().defaultTo('{}');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('reconciliation_runs', (t) => {
    t.dropColumn('unrepaired');
  });
}
