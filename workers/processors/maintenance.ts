import type { Job } from 'bullmq';
import type { Context } from '../../shared/context.js';
import { PermanentError } from '../../shared/errors.js';
import type { QueueProcessor } from '../runner.js';
import { grantExpirySchedule, grantExpiryTask, runGrantExpirySweep } from './grant-expiry.js';
import { scheduleMeterExport } from './meters.js';

/** Prunes processed and ignored inbox rows older than the retention; dead rows stay until replayed. */
export async function pruneInbox(context: Context, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - context.config.INBOX_RETENTION_DAYS * 86_400_000);
  return context.db('stripe_events').whereIn('status', ['processed', 'ignored']).where('received_at', '<', cutoff).delete();
}

const tasks: Record<string, (context: Context, job: Job) => Promise<unknown>> = {
  'prune-inbox': (context) => pruneInbox(context),
  [grantExpiryTask]: (context) => runGrantExpirySweep(context),
};

export const maintenanceProcessor: QueueProcessor = {
  concurrency: 1,
  run: async (context, job) => {
    const task = tasks[job.name];
    if (!task) throw new PermanentError(`unknown maintenance task ${job.name}`);
    return task(context, job);
  },
};

/** Idempotent: job schedulers are upserted by id, so every worker start may call this. */
export async function scheduleMaintenance(context: Context): Promise<void> {
  await context.queues.maintenance.upsertJobScheduler('prune-inbox', { pattern: '41 4 * * *' }, { name: 'prune-inbox' });
  await context.queues.maintenance.upsertJobScheduler(grantExpiryTask, grantExpirySchedule, { name: grantExpiryTask });
  await scheduleMeterExport(context);
  // The inbox relay now runs on a timer in every worker (workers/housekeeping.ts): drop its old scheduler.
  await context.queues.maintenance.removeJobScheduler('relay-inbox');
}
