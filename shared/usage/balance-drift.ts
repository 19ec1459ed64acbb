import { computeBalance } from '../domain/index.js';
import { ledgerInputs } from './rebuild-balance.js';
import { refOfCustomer, resolveTarget, type UsageDeps } from './usage-target.js';

export interface BalanceDrift { customer_id: string; feature: string; ledger: { used: number; reserved: number }; redis: { used: number; reserved: number } }

/**
 * Recomputes every balance Redis holds for the current period from the ledger (the pure
 * `computeBalance` over the period's rows and held reservations) and lists those that differ.
 * A balance Redis does not hold is rebuilt from the ledger on its next use, so it cannot drift.
 */
export async function balanceDrift(deps: UsageDeps, options: { customerId?: string } = {}, now = new Date()): Promise<{ checked: number; drifted: BalanceDrift[] }> {
  const pairs = await deps.context.db('usage_ledger').distinct('customer_id', 'feature')
    .modify((q) => { if (options.customerId) void q.where({ customer_id: options.customerId }); })
    .union((q) => { void q.from('usage_reservations').distinct('customer_id', 'feature').where({ status: 'held' }).modify((r) => { if (options.customerId) void r.where({ customer_id: options.customerId }); }); })
    .orderBy(['customer_id', 'feature']) as { customer_id: string; feature: string }[];
  const drifted: BalanceDrift[] = [];
  let checked = 0;
  for (const pair of pairs) {
    if (!deps.context.catalogFile.features?.[pair.feature]?.metered) continue;
    const target = await resolveTarget(deps, await refOfCustomer(deps.context.db, pair.customer_id), pair.feature, now);
    const held = await deps.store.admit(target.slot, { mode: 'peek', allowance: -1, amount: 0, overage: 'allow', now });
    if (held.status !== 'ok') continue;
    checked += 1;
    const { ledger, holds } = await ledgerInputs(deps.context.db, target, now);
    const truth = computeBalance({ allowance: target.allowance, policy: target.policy, period: target.period, ledger, reservations: holds, now });
    if (truth.used !== held.figures.used || truth.reserved !== held.figures.reserved) {
      drifted.push({ customer_id: pair.customer_id, feature: pair.feature, ledger: { used: truth.used, reserved: truth.reserved }, redis: { used: held.figures.used, reserved: held.figures.reserved } });
    }
  }
  return { checked, drifted };
}
