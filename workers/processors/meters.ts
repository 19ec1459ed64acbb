import { randomUUID } from 'node:crypto';
import type { Context } from '../../shared/context.js';
import { exportedMeters } from '../../shared/meters/exported-meters.js';
import { enqueueMeterExport, meterJobs, type MeterExportJobData } from '../../shared/meters/export-jobs.js';
import { meterEventsClient } from '../../shared/meters/meter-events-client.js';
import { recordDueParts } from '../../shared/meters/record-parts.js';
import { scanUsage } from '../../shared/meters/scan-usage.js';
import { sendParts } from '../../shared/meters/send-parts.js';
import type { MetersJobs } from '../../shared/queue-jobs.js';
import { byJobName, type JobHandlers, type QueueProcessor } from '../runner.js';
import { acquireLock } from '../reconcile/redis-lock.js';

/**
 * One customer's export: record the parts of its closed windows, then send what is pending. A run
 * holds the customer's lock throughout, so even a job run twice (a stalled job picked up again)
 * never has two requests for one customer in flight; a run that finds the lock held queues the
 * customer again instead of waiting.
 */
async function exportCustomer(context: Context, job: { id?: string | undefined; data: MeterExportJobData }): Promise<string> {
  const { customerId } = job.data;
  const key = `${context.config.REDIS_PREFIX}:meter-export-lock:${customerId}`;
  const attempt = await acquireLock(context.redis, key, `${String(job.id)}:${randomUUID()}`, { ttlMs: context.config.JOB_LOCK_MS });
  if (!attempt.acquired) {
    await enqueueMeterExport(context, [customerId], { delayMs: 1000 });
    return 'another export of this customer is running: queued again';
  }
  try {
    const parts = await recordDueParts(context, customerId, exportedMeters(context.catalogFile));
    const outcome = await sendParts(context, meterEventsClient(context), customerId);
    return `${parts.length} part(s) recorded; ${outcome.sent} sent, ${outcome.failed} refused, ${outcome.expired} expired`;
  } finally {
    await attempt.lock.release();
  }
}

const tasks: JobHandlers<MetersJobs> = {
  [meterJobs.exportCustomer]: exportCustomer,
  [meterJobs.scan]: (context) => scanUsage(context, exportedMeters(context.catalogFile)),
};

export const metersProcessor: QueueProcessor<MetersJobs> = {
  run: byJobName('meters', tasks),
};

/** Idempotent: the scan's scheduler is upserted by id, so every worker start (and housekeeping) may call this. */
export async function scheduleMeterExport(context: Pick<Context, 'config' | 'queues'>): Promise<void> {
  await context.queues.meters.upsertJobScheduler(meterJobs.scan, { every: context.config.METER_EXPORT_EVERY_SECONDS * 1000 }, { name: meterJobs.scan });
}
