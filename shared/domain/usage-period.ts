import type { ResetInterval } from './usage-policy.js';

/** The span a balance counts in: `end` null means it never resets. */
export interface UsagePeriod {
  start: Date;
  end: Date | null;
}

/** A subscription item's current billing period, when the customer has one. */
export interface BillingPeriod {
  start: Date;
  end: Date;
}

const DAY = 86_400_000;

function utcDay(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

/**
 * The period `now` falls in. Calendar intervals are UTC (weeks start on Monday); `never` is one
 * period from the epoch on. `billing_period` is the subscription item's current period; a customer
 * with none (a grant only, or between subscriptions) counts by calendar month instead. Resets are
 * lazy: a new period starts when `now` passes the end, with no job to run.
 */
export function periodAt(reset: ResetInterval, now: Date, billing: BillingPeriod | null): UsagePeriod {
  if (reset === 'never') return { start: new Date(0), end: null };
  if (reset === 'billing_period' && billing && billing.start.getTime() <= now.getTime() && now.getTime() < billing.end.getTime()) {
    return { start: billing.start, end: billing.end };
  }
  const day = utcDay(now);
  if (reset === 'day') return { start: day, end: new Date(day.getTime() + DAY) };
  if (reset === 'week') {
    const start = new Date(day.getTime() - ((day.getUTCDay() + 6) % 7) * DAY);
    return { start, end: new Date(start.getTime() + 7 * DAY) };
  }
  return {
    start: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)),
    end: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)),
  };
}
