import type { Knex } from 'knex';

/**
 * Indexes for the console's customer list and a customer's outbound deliveries, built without
 * blocking writes (`concurrently`, hence no transaction):
 * - customers newest first, (created_at, id) as the list orders and pages them: the first page is
 *   a walk of 51 index entries instead of a sort of every customer;
 * - a trigram index (pg_trgm, a trusted extension shipped with PostgreSQL) over the four columns
 *   the search matches (`stripe_customer_id`/`user_id` by prefix, `email`/`name` anywhere,
 *   case-insensitively): a selective search reads a few index entries instead of every customer;
 * - delivery event ids by prefix (`evt_ent_<customer>_…`, text_pattern_ops so that LIKE 'x%' can
 *   use it under any collation): a customer's deliveries without reading all of them.
 */
export const config = { transaction: false };

export async function up(knex: Knex): Promise<void> {
  await knex.raw('create extension if not exists pg_trgm');
  await knex.raw('create index concurrently if not exists customers_created_id_idx on customers (created_at desc, id desc)');
  await knex.raw(`create index concurrently if not exists customers_search_trgm_idx on customers
    using gin (stripe_customer_id gin_trgm_ops, user_id gin_trgm_ops, email gin_trgm_ops, name gin_trgm_ops)`);
  await knex.raw('create index concurrently if not exists webhook_deliveries_event_id_pattern_idx on webhook_deliveries (event_id text_pattern_ops)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index concurrently if exists webhook_deliveries_event_id_pattern_idx');
  await knex.raw('drop index concurrently if exists customers_search_trgm_idx');
  await knex.raw('drop index concurrently if exists customers_created_id_idx');
}
