import type { UsagePeriod } from './usage-period.js';
import type { MeteredFeature, OveragePolicy } from './usage-policy.js';

/** One ledger row as the balance sees it: `amount` counts against the balance (negative: a credit). */
export interface LedgerEntry {
  amount: number;
  /** The period the row was counted in (its start; its end, null for `never`). */
  periodStart: Date;
  periodEnd: Date | null;
}

export interface HeldReservation {
  amount: number;
  expiresAt: Date;
}

export interface BalanceInputs {
  /** The entitlement value: a number per period, or null when the feature is unlimited (`true`). */
  allowance: number | null;
  policy: MeteredFeature;
  period: UsagePeriod;
  /** Ledger rows of the customer and feature; rows of other periods are ignored (order does not matter). */
  ledger: readonly LedgerEntry[];
  /** Reservations still held; an expired one stops counting by itself. */
  reservations: readonly HeldReservation[];
  now: Date;
}

export interface Balance {
  /** Allowance + carried-over units + credits; null when unlimited. */
  granted: number | null;
  /** Consumed and debited in the period. */
  used: number;
  /** Held by live reservations. */
  reserved: number;
  /** granted − used − reserved (negative under `allow` overage); null when unlimited. */
  remaining: number | null;
  /** Units carried from the previous period (already inside `granted`). */
  rollover: number;
  period_start: string;
  period_end: string | null;
  next_reset_at: string | null;
}

const sameInstant = (a: Date | null, b: Date | null) => (a === null ? b === null : b !== null && a.getTime() === b.getTime());

/**
 * Units carried into `period`: the previous period's unused allowance (the current allowance minus
 * what the previous period consumed net of its credits), at most `rollover.max`. The previous period
 * is the one whose rows end where this one starts; without any row there, nothing is carried
 * (the service cannot tell an unused period from one without a subscription). Carried units stop
 * counting `expires_after_days` into the period.
 */
export function rolloverInto(inputs: Pick<BalanceInputs, 'allowance' | 'policy' | 'period' | 'ledger' | 'now'>): { units: number; until: Date | null } {
  const { rollover } = inputs.policy;
  if (!rollover || inputs.allowance === null || inputs.period.end === null) return { units: 0, until: null };
  const previous = inputs.ledger.filter((row) => sameInstant(row.periodEnd, inputs.period.start));
  if (previous.length === 0) return { units: 0, until: null };
  const net = previous.reduce((sum, row) => sum + row.amount, 0);
  const units = Math.min(rollover.max, Math.max(0, inputs.allowance - net));
  if (rollover.expires_after_days === undefined) return { units, until: null };
  const until = new Date(inputs.period.start.getTime() + rollover.expires_after_days * 86_400_000);
  return { units: inputs.now.getTime() < until.getTime() ? units : 0, until };
}

/** The balance of one customer and feature at `now`: a pure function of its inputs. */
export function computeBalance(inputs: BalanceInputs): Balance {
  const { period, now } = inputs;
  let used = 0;
  let credited = 0;
  for (const row of inputs.ledger) {
    if (row.periodStart.getTime() !== period.start.getTime()) continue;
    if (row.amount >= 0) used += row.amount;
    else credited -= row.amount;
  }
  let reserved = 0;
  for (const hold of inputs.reservations) if (hold.expiresAt.getTime() > now.getTime()) reserved += hold.amount;
  const rollover = rolloverInto(inputs).units;
  const granted = inputs.allowance === null ? null : inputs.allowance + rollover + credited;
  return {
    granted,
    used,
    reserved,
    remaining: granted === null ? null : granted - used - reserved,
    rollover,
    period_start: period.start.toISOString(),
    period_end: period.end?.toISOString() ?? null,
    next_reset_at: period.end?.toISOString() ?? null,
  };
}

export interface Admission {
  allowed: boolean;
  /** Units the request counts against the balance (under `cap`, what was left). */
  counted: number;
}

/**
 * Whether `amount` more may be consumed given `remaining` (null: unlimited). The same rule runs
 * atomically in Redis; this is its reference, which the property tests hold the script to.
 */
export function admit(remaining: number | null, amount: number, overage: OveragePolicy): Admission {
  if (remaining === null || overage === 'allow' || amount <= remaining) return { allowed: true, counted: amount };
  if (overage === 'cap' && remaining > 0) return { allowed: true, counted: remaining };
  return { allowed: false, counted: 0 };
}
