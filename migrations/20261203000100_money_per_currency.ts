import type { Knex } from 'knex';

/**
 * Money per currency. A price sold in several currencies (Stripe `currency_options`) keeps its
 * unit amount in each, in minor units, beside its own; a subscription item keeps the currency its
 * unit amount is in (the subscription's, which may differ from the price's own).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('catalog_prices', (t) => {
    /** `{ "eur": 2700, "gbp": 2400 }`: unit amounts in minor units by lower-case currency, the price's own included. */
    t.jsonb('currency_options').notNullable().defaultTo('{}');
  });
  await knex.schema.alterTable('subscription_items', (t) => {
    t.text('currency');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('subscription_items', (t) => { t.dropColumn('currency'); });
  await knex.schema.alterTable('catalog_prices', (t) => { t.dropColumn('currency_options'); });
}
