import type { Context } from '../../shared/context.js';
import { syncCustomer } from '../../shared/sync/customer-sync.js';

/** Customer syncs of one run at once: a few, so a page with much drift does not take the whole rate limit. */
const parallelSyncs = 4;

/**
 * Repairs drifted customers through the one repair path, {@link syncCustomer}, audited as
 * `{ actor: 'reconciliation', reconciliationRunId }`. Each customer is synced at most once per run
 * (in this process; a resumed run may sync a customer again, which is harmless). A failed sync is
 * logged and counted, never fatal to the run.
 */
export function createRepairer(context: Context, runId: string) {
  const outcomes = new Map<string, Promise<boolean>>();
  const syncOnce = async (stripeCustomerId: string): Promise<boolean> => {
    try {
      await syncCustomer(context, stripeCustomerId, { actor: 'reconciliation', reconciliationRunId: runId });
      return true;
    } catch (error) {
      context.logger.warn('reconciliation could not repair a customer', { runId, stripeCustomerId, error });
      return false;
    }
  };
  /** Syncs every customer not yet synced in this run; resolves to each customer's outcome. */
  return async function repair(stripeCustomerIds: Iterable<string>): Promise<Map<string, boolean>> {
    const wanted = [...new Set(stripeCustomerIds)];
    const fresh = wanted.filter((id) => !outcomes.has(id));
    for (let start = 0; start < fresh.length; start += parallelSyncs) {
      const batch = fresh.slice(start, start + parallelSyncs);
      for (const id of batch) outcomes.set(id, syncOnce(id));
      await Promise.all(batch.map((id) => outcomes.get(id)!));
    }
    return new Map(await Promise.all(wanted.map(async (id) => [id, await outcomes.get(id)!] as const)));
  };
}

export type Repairer = ReturnType<typeof createRepairer>;
