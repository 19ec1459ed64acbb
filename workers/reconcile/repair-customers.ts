import type { Context } from '../../shared/context.js';
import { isTransient } from '../../shared/retry-policy.js';
import { syncCustomer } from '../../shared/sync/sync-customer.js';

/** Customer syncs of one run at once: a few, so a page with much drift does not take the whole rate limit. */
const parallelSyncs = 4;

/** `retry`: the sync failed transiently (Stripe or Postgres down), so the run tries again later; `failed`: permanently. */
export type RepairOutcome = 'repaired' | 'retry' | 'failed';

/**
 * Repairs drifted customers through the one repair path, {@link syncCustomer}, audited as
 * `{ actor: 'reconciliation', reconciliationRunId }`. Each customer is synced at most once per
 * call of `repair` per run (in this process; a resumed run may sync a customer again, which is
 * harmless); `repairAgain` tries customers whose repair must be retried. A failed sync is logged
 * and classified, never fatal to the run.
 */
export function createRepairer(context: Context, runId: string) {
  const outcomes = new Map<string, Promise<RepairOutcome>>();
  const syncOnce = async (stripeCustomerId: string): Promise<RepairOutcome> => {
    try {
      await syncCustomer(context, stripeCustomerId, { actor: 'reconciliation', reconciliationRunId: runId });
      return 'repaired';
    } catch (error) {
      const transient = isTransient(error);
      context.logger.warn(transient ? 'reconciliation could not repair a customer yet; it will retry' : 'reconciliation could not repair a customer', { runId, stripeCustomerId, error });
      return transient ? 'retry' : 'failed';
    }
  };
  const inBatches = async (ids: readonly string[]): Promise<void> => {
    for (let start = 0; start < ids.length; start += parallelSyncs) {
      const batch = ids.slice(start, start + parallelSyncs);
      for (const id of batch) outcomes.set(id, syncOnce(id));
      await Promise.all(batch.map((id) => outcomes.get(id)!));
    }
  };
  const outcomesOf = async (ids: readonly string[]) => new Map(await Promise.all(ids.map(async (id) => [id, await outcomes.get(id)!] as const)));
  return {
    /** Syncs every customer not yet synced in this run; resolves to each customer's outcome. */
    async repair(stripeCustomerIds: Iterable<string>): Promise<Map<string, RepairOutcome>> {
      const wanted = [...new Set(stripeCustomerIds)];
      await inBatches(wanted.filter((id) => !outcomes.has(id)));
      return outcomesOf(wanted);
    },
    /** Syncs these customers again, whatever an earlier try said. */
    async repairAgain(stripeCustomerIds: Iterable<string>): Promise<Map<string, RepairOutcome>> {
      const wanted = [...new Set(stripeCustomerIds)];
      await inBatches(wanted);
      return outcomesOf(wanted);
    },
  };
}

export type Repairer = ReturnType<typeof createRepairer>;
