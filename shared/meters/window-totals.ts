import type { Db } from '../infra/db.js';
import type { ReportedWindow, WindowTotal } from '../domain/meter-windows.js';
import type { MeterMap } from './exported-meters.js';

/** Ledger kinds that are usage (billed); adjustments and rollovers change a balance, not the bill. */
export const billedKinds = ['consume', 'commit'] as const;

/**
 * The ledger's usage of one customer per (meter, window) since `since` (a window start on the grid): windows are `windowSeconds`
 * wide on the UTC grid, split where the customer has a recorded period boundary, so a window never
 * spans two billing periods. One statement; the boundary lookups use the boundaries' primary key.
 */
export async function windowTotals(db: Db, input: { customerId: string; meters: MeterMap; windowSeconds: number; since: Date }): Promise<WindowTotal[]> {
  if (input.meters.size === 0) return [];
  const features = [...input.meters.keys()];
  const names = features.map((feature) => input.meters.get(feature) ?? '');
  const w = input.windowSeconds;
  const { rows } = await db.raw<{ rows: { event_name: string; window_start: Date; window_end: Date; quantity: string }[] }>(`
    with meters(feature, event_name) as (select * from unnest(?::text[], ?::text[])),
    usage as (
      select m.event_name, l.amount, l.occurred_at,
             to_timestamp(floor(extract(epoch from l.occurred_at) / ?) * ?) as grid_start
        from usage_ledger l join meters m on m.feature = l.feature
       where l.customer_id = ? and l.kind = any(?::text[]) and l.occurred_at >= ?
    ),
    bounded as (
      select u.event_name, u.amount,
             coalesce((select max(b.at) from meter_export_boundaries b
                        where b.customer_id = ? and b.at <= u.occurred_at and b.at > u.grid_start), u.grid_start) as window_start,
             coalesce((select min(b.at) from meter_export_boundaries b
                        where b.customer_id = ? and b.at > u.occurred_at and b.at < u.grid_start + make_interval(secs => ?)),
                      u.grid_start + make_interval(secs => ?)) as window_end
        from usage u
    )
    select event_name, window_start, window_end, sum(amount)::text as quantity
      from bounded group by event_name, window_start, window_end`,
  [features, names, w, w, input.customerId, [...billedKinds], input.since, input.customerId, input.customerId, w, w]);
  return rows.map((row) => ({ eventName: row.event_name, windowStart: row.window_start, windowEnd: row.window_end, quantity: Number(row.quantity) }));
}

/** What was recorded so far for the customer's windows starting at or after `since`. */
export async function reportedWindows(db: Db, customerId: string, since: Date): Promise<ReportedWindow[]> {
  const rows = await db('meter_export_windows').where({ customer_id: customerId }).where('window_start', '>=', since)
    .groupBy('event_name', 'window_start')
    .select<{ event_name: string; window_start: Date; quantity: string; parts: number }[]>('event_name', 'window_start', db.raw('sum(quantity)::text as quantity'), db.raw('max(part) as parts'));
  return rows.map((row) => ({ eventName: row.event_name, windowStart: row.window_start, quantity: Number(row.quantity), parts: Number(row.parts) }));
}
