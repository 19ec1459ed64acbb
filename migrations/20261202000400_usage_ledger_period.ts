import type { Knex } from 'knex';

/**
 * The period a ledger row was counted in: a balance sums the rows of its period, and rollover
 * reads the rows of the period that ended where the current one starts. Stored rather than derived
 * from `occurred_at`, because a billing period is the subscription item's as it was at admission
 * and a late-reported event still counts where it was admitted. Nullable columns without default:
 * no rewrite; the index is built on a table the service only appends to.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('usage_ledger', (t) => {
    t.timestamp('period_start', { useTz: true });
    t.timestamp('period_end', { useTz: true });
    t.index(['customer_id', 'feature', 'period_start'], 'usage_ledger_balance_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('usage_ledger', (t) => {
    t.dropIndex(['customer_id', 'feature', 'period_start'], 'usage_ledger_balance_index');
    t.dropColumn('period_start');
    t.dropColumn('period_end');
  });
}
