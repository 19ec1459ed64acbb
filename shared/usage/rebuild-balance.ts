import type { Db } from '../infra/db.js';
import { computeBalance, rolloverInto, type LedgerEntry } from '../domain/index.js';
import type { LoadRequest } from './balance-store.js';
import type { UsageDeps, UsageTarget } from './usage-target.js';

interface PeriodSum { period_start: Date; period_end: Date | null; used: string; credited: string }

/**
 * The ledger's side of one balance: rows of the period (and of the period before, for rollover)
 * summed per period, and the reservations still held. The pure {@link computeBalance} turns them
 * into figures, so Redis after a rebuild and reconciliation agree by construction.
 */
export async function ledgerInputs(db: Db, target: UsageTarget, now: Date): Promise<{ ledger: LedgerEntry[]; holds: LoadRequest['holds'] }> {
  const sums = await db('usage_ledger')
    .where({ customer_id: target.customerId, feature: target.feature })
    .andWhere((q) => { void q.where('period_start', target.period.start).orWhere('period_end', target.period.start); })
    .groupBy('period_start', 'period_end')
    .select<PeriodSum[]>('period_start', 'period_end', db.raw('sum(greatest(amount, 0)) as used'), db.raw('sum(greatest(-amount, 0)) as credited'));
  const ledger = sums.flatMap((sum) => [
    { amount: Number(sum.used), periodStart: sum.period_start, periodEnd: sum.period_end },
    { amount: -Number(sum.credited), periodStart: sum.period_start, periodEnd: sum.period_end },
  ]);
  const held = await db('usage_reservations')
    .where({ customer_id: target.customerId, feature: target.feature, status: 'held' })
    .andWhere('expires_at', '>', now)
    .select<{ id: string; amount: string; expires_at: Date }[]>('id', 'amount', 'expires_at');
  return { ledger, holds: held.map((hold) => ({ id: hold.id, amount: Number(hold.amount), expiresAt: hold.expires_at })) };
}

/** Rebuilds a balance Redis does not hold (lost, never built, or a new period): lazily, on first use. */
export async function rebuildBalance(deps: UsageDeps, target: UsageTarget, now: Date): Promise<void> {
  const { ledger, holds } = await ledgerInputs(deps.context.db, target, now);
  // Credits are what the period's rows give back: the balance with no allowance and no rollover grants exactly them.
  const { used, granted } = computeBalance({ allowance: 0, policy: { ...target.policy, rollover: undefined }, period: target.period, ledger, reservations: [], now });
  // Rollover as at the period's start; its expiry travels with it, so Redis stops counting it by itself.
  const rollover = rolloverInto({ allowance: target.allowance, policy: target.policy, period: target.period, ledger, now: target.period.start });
  await deps.store.load(target.slot, { used, credited: granted ?? 0, rollover: rollover.units, rolloverUntil: rollover.until, holds });
}

/**
 * Replaces a balance Redis holds with the ledger's (a drifted one, found by reconciliation): the
 * slot is forgotten, then rebuilt as after a Redis loss. A request admitted in the instant between
 * the two and not yet in the ledger is not counted in the new balance, as after a Redis loss.
 */
export async function replaceBalance(deps: UsageDeps, target: UsageTarget, now: Date): Promise<void> {
  await deps.store.forget(target.slot);
  await rebuildBalance(deps, target, now);
}
