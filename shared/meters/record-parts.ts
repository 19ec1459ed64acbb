import type { Context } from '../context.js';
import { planMeterParts, type PlannedPart } from '../domain/meter-windows.js';
import type { MeterMap } from './exported-meters.js';
import { reportedWindows, windowTotals } from './window-totals.js';

const dayMs = 86_400_000;
/** Stripe accepts meter event timestamps up to 35 calendar days back. */
export const meterEventMaxAgeMs = 35 * dayMs;
/** Kept from that limit, so a part is not refused while on its way or retried. */
const ageMarginMs = 3_600_000;

/** The oldest window start that may still be sent at `now`. */
export function oldestSendable(now: Date): Date {
  return new Date(now.getTime() - meterEventMaxAgeMs + ageMarginMs);
}

/** Where the export reads the ledger from: a day before the oldest sendable window, on the window grid. */
export function exportHorizon(now: Date, windowSeconds: number): Date {
  const from = now.getTime() - meterEventMaxAgeMs - dayMs;
  return new Date(Math.floor(from / (windowSeconds * 1000)) * windowSeconds * 1000);
}

/**
 * Load → decide → apply for one customer: the ledger's totals per closed window against what was
 * recorded, and the missing parts written as `pending` (or `expired`). One transaction under the
 * customer's advisory lock, so two runs for one customer never plan the same part twice.
 */
export async function recordDueParts(context: Pick<Context, 'config' | 'db'>, customerId: string, meters: MeterMap, now = new Date()): Promise<PlannedPart[]> {
  if (meters.size === 0) return [];
  const since = exportHorizon(now, context.config.METER_EXPORT_WINDOW_SECONDS);
  return context.db.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`meter-export:${customerId}`]);
    const totals = await windowTotals(trx, { customerId, meters, windowSeconds: context.config.METER_EXPORT_WINDOW_SECONDS, since });
    const reported = await reportedWindows(trx, customerId, since);
    const parts = planMeterParts(totals, reported, { customerId, now, oldestTimestamp: oldestSendable(now) });
    if (parts.length > 0) {
      await trx('meter_export_windows').insert(parts.map((part) => ({
        customer_id: customerId,
        event_name: part.eventName,
        window_start: part.windowStart,
        window_end: part.windowEnd,
        part: part.part,
        quantity: part.quantity,
        identifier: part.identifier,
        status: part.status,
        ...(part.status === 'expired' && { last_error: 'older than the 35 days Stripe accepts' }),
      })));
    }
    return parts;
  });
}
