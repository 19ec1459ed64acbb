import type { Context } from '../../shared/context.js';
import type { ReconcileParams } from '../../shared/reconcile/params.js';
import type { Drift } from './compare-page.js';
import { reconcileKeys } from './keys.js';

const defaultBatchSize = 1000;

/**
 * After the pass over Stripe: unfinished mirror subscriptions in the run's scope that Stripe did not
 * list (absent from the run's seen-set) and that nothing has rewritten since the run started (a
 * newer sync already reflects Stripe). Keyset-paged by customer (its index), one Redis SMISMEMBER
 * per batch. A batch holds whole customers: repairing a customer finishes all of its
 * subscriptions, so one split across two batches would lose its later half from the count.
 */
export async function* findOnlyLocally(context: Context, runId: string, params: ReconcileParams, startedAt: Date, batchSize = defaultBatchSize): AsyncGenerator<Drift[]> {
  const seenKey = reconcileKeys.seen(context.config.REDIS_PREFIX, runId);
  const candidates = () => {
    const query = context.db('subscriptions')
      .select<{ id: string; stripe_customer_id: string }[]>('id', 'stripe_customer_id')
      .whereNotIn('status', ['canceled', 'incomplete_expired'])
      .where('synced_at', '<', startedAt);
    if (params.customer) void query.where({ stripe_customer_id: params.customer });
    if (params.since) void query.where('stripe_created', '>=', new Date(params.since));
    return query;
  };
  let after = '';
  for (;;) {
    const fetched = await candidates().where('stripe_customer_id', '>', after).orderBy('stripe_customer_id').limit(batchSize);
    if (fetched.length === 0) return;
    let rows = fetched;
    if (fetched.length === batchSize) {
      // The batch may end inside its last customer: that customer starts the next one instead.
      const lastCustomer = fetched.at(-1)!.stripe_customer_id;
      rows = fetched.filter((row) => row.stripe_customer_id !== lastCustomer);
      if (rows.length === 0) rows = await candidates().where({ stripe_customer_id: lastCustomer });
    }
    const seen = await context.redis.smismember(seenKey, ...rows.map((row) => row.id));
    yield rows.filter((_, index) => seen[index] === 0).map((row) => ({ subscriptionId: row.id, stripeCustomerId: row.stripe_customer_id, kind: 'only_locally' as const }));
    after = rows.at(-1)!.stripe_customer_id;
  }
}

/** After its customer's sync: an `only_locally` row counts as repaired once it is finished or rewritten by a sync. */
export async function stillOnlyLocally(context: Pick<Context, 'db'>, subscriptionIds: readonly string[], startedAt: Date): Promise<Set<string>> {
  if (subscriptionIds.length === 0) return new Set();
  const rows = await context.db('subscriptions').whereIn('id', subscriptionIds)
    .whereNotIn('status', ['canceled', 'incomplete_expired']).where('synced_at', '<', startedAt).pluck<string[]>('id');
  return new Set(rows);
}
