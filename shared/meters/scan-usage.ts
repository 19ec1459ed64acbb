import type { Context } from '../context.js';
import type { MeterMap } from './exported-meters.js';
import { billedKinds } from './window-totals.js';
import { exportHorizon } from './record-parts.js';
import { enqueueMeterExport } from './export-jobs.js';

const cursorName = 'meter-export-scan';
/** Rows are stamped when their transaction started: a scan looks this far behind its cursor. */
const lateCommitMs = 5 * 60_000;

/**
 * Finds the customers with something to export and queues their exports: usage recorded since the
 * last scan, usage in windows that closed since it, and parts still pending (their job gave up).
 * The cursor is the scan's start, kept in `sync_cursors`; the first scan looks back 35 days.
 */
export async function scanUsage(context: Pick<Context, 'config' | 'db' | 'queues'>, meters: MeterMap, now = new Date()): Promise<{ customers: number }> {
  const { db, config } = context;
  if (meters.size === 0) return { customers: 0 };
  const cursor = await db('sync_cursors').where({ name: cursorName }).first<{ value: { scanned_at?: string } } | undefined>('value');
  const last = cursor?.value.scanned_at ? new Date(cursor.value.scanned_at) : exportHorizon(now, config.METER_EXPORT_WINDOW_SECONDS);
  const recordedSince = new Date(last.getTime() - lateCommitMs);
  const occurredSince = new Date(last.getTime() - lateCommitMs - config.METER_EXPORT_WINDOW_SECONDS * 1000);
  const { rows } = await db.raw<{ rows: { customer_id: string }[] }>(`
    select customer_id from usage_ledger where feature = any(?::text[]) and kind = any(?::text[]) and recorded_at >= ?
    union
    select customer_id from usage_ledger where feature = any(?::text[]) and kind = any(?::text[]) and occurred_at >= ? and occurred_at < ?
    union
    select customer_id from meter_export_windows where status = 'pending'`,
  [[...meters.keys()], [...billedKinds], recordedSince, [...meters.keys()], [...billedKinds], occurredSince, now]);
  await enqueueMeterExport(context, rows.map((row) => row.customer_id));
  await db('sync_cursors').insert({ name: cursorName, value: { scanned_at: now.toISOString() }, updated_at: now }).onConflict('name').merge();
  return { customers: rows.length };
}
