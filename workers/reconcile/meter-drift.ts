import type { Context } from '../../shared/context.js';
import { exportedMeters, type MeterMap } from '../../shared/meters/exported-meters.js';
import { meterEventsClient } from '../../shared/meters/meter-events-client.js';
import { activeMeters, meterParity, type MeterParity } from '../../shared/meters/parity.js';
import { oldestSendable } from '../../shared/meters/record-parts.js';
import { billedKinds } from '../../shared/meters/window-totals.js';
import type { ReconcileParams } from '../../shared/reconcile/params.js';
import { localCustomerOf } from './balance-drift.js';
import { emptyTotals, type Totals } from './totals.js';

const hourMs = 3_600_000;
/** Customers compared at once: a few, so a large account does not take the whole rate limit. */
const parallelCustomers = 4;

/**
 * The hours compared: from the oldest Stripe still accepts (or the run's `since`, if later) to an
 * hour before the newest closed window, so usage the export is about to send, and summaries Stripe
 * has not caught up with yet, are not taken for drift. Hour-aligned, as Stripe's hourly summaries are.
 */
export function comparedPeriod(now: Date, windowSeconds: number, since?: string): { start: Date; end: Date } | null {
  const from = Math.max(oldestSendable(now).getTime(), since ? new Date(since).getTime() : 0);
  const start = Math.ceil(from / hourMs) * hourMs;
  const end = Math.floor((now.getTime() - windowSeconds * 1000 - hourMs) / hourMs) * hourMs;
  return start < end ? { start: new Date(start), end: new Date(end) } : null;
}

/** Stripe customers with billed usage of an exported feature, or export parts, in the period. */
async function customersWithUsage(context: Context, meters: MeterMap, period: { start: Date; end: Date }, customerId: string | null): Promise<string[]> {
  const only = customerId ? 'and c.id = ?' : '';
  const { rows } = await context.db.raw<{ rows: { id: string }[] }>(`
    select c.id from customers c where c.stripe_customer_id is not null ${only} and (
      exists (select 1 from usage_ledger u where u.customer_id = c.id and u.feature = any(?::text[]) and u.kind = any(?::text[]) and u.occurred_at >= ? and u.occurred_at < ?)
      or exists (select 1 from meter_export_windows w where w.customer_id = c.id and w.window_start >= ? and w.window_start < ?))
    order by c.id`,
  [...(customerId ? [customerId] : []), [...meters.keys()], [...billedKinds], period.start, period.end, period.start, period.end]);
  return rows.map((row) => row.id);
}

const count = (delta: Totals, kind: 'meter_missing' | 'meter_over_billed') => { delta.drift[kind] = (delta.drift[kind] ?? 0) + 1; delta.drifted += 1; };

/**
 * Meter parity for every customer with exported usage: the ledger's closed windows against
 * Stripe's meter event summaries, one customer at a time per slot, reads through the shared Stripe
 * rate limit and sends through the meter events one. `meter_missing` (Stripe holds less) is
 * repaired as `POST /admin/meters/parity/repair` does: windows never recorded are recorded and
 * sent, parts Stripe lost are sent again where that cannot count twice. `meter_over_billed`
 * (Stripe holds more), and parts Stripe will no longer take, need a person: they are counted and
 * logged, not repaired, and do not fail the run (they would fail every run until fixed at Stripe).
 */
export async function findMeterDrift(context: Context, params: ReconcileParams, runId: string, now = new Date()): Promise<Totals> {
  const delta = emptyTotals();
  const meters = exportedMeters(context.catalogFile);
  const period = comparedPeriod(now, context.config.METER_EXPORT_WINDOW_SECONDS, params.since);
  const customerId = await localCustomerOf(context, params);
  if (meters.size === 0 || !period || customerId === undefined) return delta;
  const customers = await customersWithUsage(context, meters, period, customerId);
  if (customers.length === 0) return delta;
  const stripeMeters = await activeMeters(context.stripe);
  const compare = async (customer: string) => {
    const found = await meterParity(context, context.stripe, { customerId: customer, ...period, stripeMeters, now });
    const missing = found.meters.filter((meter) => meter.diff > 0);
    for (const meter of found.meters.filter((entry) => entry.diff < 0)) {
      count(delta, 'meter_over_billed');
      context.metrics.reconciliationDrift.inc({ kind: 'meter_over_billed', outcome: 'found' });
      context.logger.warn('Stripe holds more usage than the ledger; not repaired, needs a look', { runId, customerId: customer, meter: meter.event_name, diff: meter.diff, unrepairable: meter.unrepairable });
    }
    if (missing.length === 0) return;
    const repaired = await meterParity(context, context.stripe, { customerId: customer, ...period, stripeMeters, now, repair: true, sender: meterEventsClient(context) });
    const after = new Map(repaired.meters.map((meter) => [meter.event_name, meter]));
    for (const before of missing) {
      count(delta, 'meter_missing');
      context.metrics.reconciliationDrift.inc({ kind: 'meter_missing', outcome: 'found' });
      const entry: MeterParity | undefined = after.get(before.event_name);
      // Stripe's summaries lag what it took: parts sent by the repair count, even before they show.
      if (entry && (entry.diff <= 0 || entry.repaired > 0)) {
        delta.repaired += 1;
        context.metrics.reconciliationDrift.inc({ kind: 'meter_missing', outcome: 'repaired' });
        context.logger.info('reconciliation repaired meter drift', { runId, customerId: customer, meter: before.event_name, diff: before.diff, sent: entry.repaired });
      } else {
        context.logger.warn('Stripe lacks usage the ledger holds and it could not be sent; needs a look', { runId, customerId: customer, meter: before.event_name, diff: entry?.diff ?? before.diff, unrepairable: entry?.unrepairable ?? before.unrepairable });
      }
    }
  };
  for (let start = 0; start < customers.length; start += parallelCustomers) {
    await Promise.all(customers.slice(start, start + parallelCustomers).map(compare));
  }
  return delta;
}
