import type Stripe from 'stripe';

const day = 86_400;

/** `t` moved forward by `count` recurring intervals, with calendar months like Stripe (UTC). */
export function addInterval(t: number, interval: Stripe.Price.Recurring.Interval, count = 1): number {
  switch (interval) {
    case 'day':
      return t + count * day;
    case 'week':
      return t + count * 7 * day;
    case 'month':
    case 'year': {
      const date = new Date(t * 1000);
      const months = interval === 'month' ? count : count * 12;
      const anchorDay = date.getUTCDate();
      date.setUTCDate(1);
      date.setUTCMonth(date.getUTCMonth() + months);
      const lastDay = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
      date.setUTCDate(Math.min(anchorDay, lastDay));
      return Math.floor(date.getTime() / 1000);
    }
    default:
      throw new RangeError(`Unknown interval ${String(interval)}`);
  }
}

export const secondsPerDay = day;
