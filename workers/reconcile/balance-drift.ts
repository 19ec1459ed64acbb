import { setTimeout as sleep } from 'node:timers/promises';
import type { Context } from '../../shared/context.js';
import { AppError } from '../../shared/errors.js';
import { EntitlementCache } from '../../shared/entitlements/cache.js';
import type { ReconcileParams } from '../../shared/reconcile/params.js';
import { balanceDrift, type BalanceDrift } from '../../shared/usage/balance-drift.js';
import { BalanceStore } from '../../shared/usage/balance-store.js';
import { LedgerWriter } from '../../shared/usage/ledger-writer.js';
import { replaceBalance } from '../../shared/usage/rebuild-balance.js';
import { refOfCustomer, resolveTarget, type UsageDeps } from '../../shared/usage/usage-target.js';
import { emptyTotals, type Totals } from './totals.js';

/**
 * A difference seen once may be a request admitted in Redis whose ledger row is being written (a
 * group commit takes milliseconds): only a difference still there this much later is drift.
 */
const confirmAfterMs = 1000;

const pairKey = (drift: Pick<BalanceDrift, 'customer_id' | 'feature'>) => `${drift.customer_id}/${drift.feature}`;

/** The local customer a run's `customer` param (a Stripe id) names; null when the run covers everyone. */
export async function localCustomerOf(context: Context, params: ReconcileParams): Promise<string | null | undefined> {
  if (!params.customer) return null;
  const row = await context.db('customers').where({ stripe_customer_id: params.customer }).first<{ id: string } | undefined>('id');
  return row?.id;
}

/**
 * Compares every balance Redis holds with the ledger (`balance_differs`) and rebuilds the drifted
 * ones from the ledger, the durable truth. Resolves to what that adds to the run's totals.
 */
export async function findBalanceDrift(context: Context, params: ReconcileParams, runId: string): Promise<Totals> {
  const delta = emptyTotals();
  const customerId = await localCustomerOf(context, params);
  if (customerId === undefined) return delta;
  const deps: UsageDeps = { context, cache: new EntitlementCache(context), store: new BalanceStore(context.balances, context.config.REDIS_PREFIX), writer: new LedgerWriter(context.db) };
  const options = customerId ? { customerId } : {};
  const first = await balanceDrift(deps, options);
  if (first.drifted.length === 0) return delta;
  await sleep(confirmAfterMs);
  const seen = new Set(first.drifted.map(pairKey));
  const customers = [...new Set(first.drifted.map((drift) => drift.customer_id))];
  const confirmed: BalanceDrift[] = [];
  for (const customer of customers) confirmed.push(...(await balanceDrift(deps, { customerId: customer })).drifted.filter((drift) => seen.has(pairKey(drift))));
  for (const drift of confirmed) {
    delta.drifted += 1;
    delta.drift.balance_differs = (delta.drift.balance_differs ?? 0) + 1;
    context.metrics.reconciliationDrift.inc({ kind: 'balance_differs', outcome: 'found' });
    context.logger.info('reconciliation found drift', { runId, kind: 'balance_differs', ...drift });
    try {
      const now = new Date();
      await replaceBalance(deps, await resolveTarget(deps, await refOfCustomer(context.db, drift.customer_id), drift.feature, now), now);
      delta.repaired += 1;
      context.metrics.reconciliationDrift.inc({ kind: 'balance_differs', outcome: 'repaired' });
    } catch (error) {
      // Postgres or Redis failing is transient: the job retries the run. What remains is permanent (the customer is gone).
      if (!(error instanceof AppError)) throw error;
      delta.errors += 1;
      context.logger.error('a drifted balance could not be rebuilt from the ledger', { runId, customerId: drift.customer_id, feature: drift.feature, error });
    }
  }
  return delta;
}
