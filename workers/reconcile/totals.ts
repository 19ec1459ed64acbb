import type { Context } from '../../shared/context.js';
import type { DriftCounts } from '../../shared/reconcile/runs.js';

/** A run's counts as it goes; `unrepaired` maps a customer not repaired yet to its drifted subscriptions. */
export interface Totals { checked: number; drifted: number; repaired: number; errors: number; drift: DriftCounts; unrepaired: Record<string, number> }

export const emptyTotals = (): Totals => ({ checked: 0, drifted: 0, repaired: 0, errors: 0, drift: {}, unrepaired: {} });

export function addTotals(totals: Totals, delta: Totals): void {
  totals.checked += delta.checked;
  totals.drifted += delta.drifted;
  totals.repaired += delta.repaired;
  totals.errors += delta.errors;
  for (const [kind, count] of Object.entries(delta.drift) as [keyof DriftCounts, number][]) totals.drift[kind] = (totals.drift[kind] ?? 0) + count;
  for (const [customer, count] of Object.entries(delta.unrepaired)) totals.unrepaired[customer] = (totals.unrepaired[customer] ?? 0) + count;
}

export async function saveProgress(context: Pick<Context, 'db'>, runId: string, totals: Totals, cursor?: string): Promise<void> {
  await context.db('reconciliation_runs').where({ id: runId }).update({
    checked: totals.checked, drifted: totals.drifted, repaired: totals.repaired, errors: totals.errors,
    drift: JSON.stringify(totals.drift), unrepaired: JSON.stringify(totals.unrepaired), ...(cursor !== undefined && { cursor }),
  });
}
