import type { Context } from '../context.js';
import { currentCorrelation } from '../infra/correlation.js';

/** Job names of the meters queue. */
export const meterJobs = { exportCustomer: 'export-customer', scan: 'scan-usage' } as const;

export interface MeterExportJobData { customerId: string; correlationId?: string }

/** While a customer's export waits, more requests join it; while it runs, one more is kept to run after it. */
export const meterExportDeduplicationId = (customerId: string): string => `meter-export-${customerId}`;

/** Queues an export of each customer's due windows (deduplicated per customer). */
export async function enqueueMeterExport(context: Pick<Context, 'queues'>, customerIds: readonly string[], options: { delayMs?: number } = {}): Promise<void> {
  const correlationId = currentCorrelation()?.correlationId;
  for (let start = 0; start < customerIds.length; start += 500) {
    await context.queues.meters.addBulk(customerIds.slice(start, start + 500).map((customerId) => ({
      name: meterJobs.exportCustomer,
      data: { customerId, ...(correlationId && { correlationId }) } satisfies MeterExportJobData,
      opts: { deduplication: { id: meterExportDeduplicationId(customerId), keepLastIfActive: true }, ...(options.delayMs && { delay: options.delayMs }) },
    })));
  }
}

/**
 * Flushes a customer's usage up to `at` (an invoice's period end, a subscription's end): records
 * the period boundary, which closes the window it falls in (see shared/domain/meter-windows.ts),
 * then queues the customer's export. A customer unknown here has no usage: nothing to do.
 * Returns whether the customer was known.
 */
export async function flushMeterUsage(context: Pick<Context, 'db' | 'queues'>, stripeCustomerId: string, at: Date, source: string): Promise<boolean> {
  const customer = await context.db('customers').where({ stripe_customer_id: stripeCustomerId }).first<{ id: string } | undefined>('id');
  if (!customer) return false;
  await context.db('meter_export_boundaries').insert({ customer_id: customer.id, at, source }).onConflict(['customer_id', 'at']).ignore();
  await enqueueMeterExport(context, [customer.id]);
  return true;
}
