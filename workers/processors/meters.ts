import { randomUUID } from 'node:crypto';
import type { Job } from 'bullmq';
import type { Context } from '../../shared/context.js';
import { PermanentError } from '../../shared/errors.js';
import { exportedMeters } from '../../shared/meters/exported-meters.js';
import { enqueueMeterExport, meterJobs, type MeterExportJobData } from '../../shared/meters/export-jobs.js';
import { meterEventsClient } from '../../shared/meters/meter-events-client.js';
import { recordDueParts } from '../../shared/meters/record-parts.js';
import { scanUsage } from '../../shared/meters/scan-usage.js';
import { sendParts } from '../../shared/meters/send-parts.js';
import type { QueueProcessor } from '../runner.js';
import { acquireLock } from '../reconcile/redis-lock.js';

/**
 * One customer's export: record the parts of its closed windows, then send what is pending. A run
 * holds the customer's lock throughout, so even a job run twice (a stalled job picked up again)
 * never has two requests for one customer in flight; a run that finds the lock held queues the
 * customer again instead of waiting.
 */
async function exportCustomer(context: Context, job: Job): Promise<string> {
  const { customerId } = job.data as MeterExportJobData;
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

const tasks: Record<string, (context: Context, job: Job) => Promise<unknown>> = {
  [meterJobs.exportCustomer]: exportCustomer,
  [meterJobs.scan]: (context) => scanUsage(context, exportedMeters(context.catalogFile)),
};

export const metersProcessor: QueueProcessor = {
  run: async (context, job) => {
    const task = tasks[job.name];
    if (!task) throw new PermanentError(`unknown meters task ${job.name}`);
    return task(context, job);
  },
};

/** Idempotent: the scan's scheduler is upserted by id, so every worker start (and housekeeping) may call this. */
export async function scheduleMeterExport(context: Context): Promise<void> {
  await context.queues.meters.upsertJobScheduler(meterJobs.scan, { every: context.config.METER_EXPORT_EVERY_SECONDS * 1000 }, { name: meterJobs.scan });
}
