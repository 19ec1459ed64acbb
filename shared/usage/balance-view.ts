import type { Balance } from '../domain/index.js';
import type { Figures } from './balance-store.js';
import type { UsageTarget } from './usage-target.js';

/** A balance as the API shows it, from the figures Redis reported for the target's period. */
export function balanceOf(target: UsageTarget, figures: Figures): Balance & { feature: string } {
  const granted = target.allowance === null ? null : target.allowance + figures.rollover + figures.credited;
  return {
    feature: target.feature,
    granted,
    used: figures.used,
    reserved: figures.reserved,
    remaining: granted === null ? null : granted - figures.used - figures.reserved,
    rollover: figures.rollover,
    period_start: target.period.start.toISOString(),
    period_end: target.period.end?.toISOString() ?? null,
    next_reset_at: target.period.end?.toISOString() ?? null,
  };
}
