import type { Context } from '../../shared/context.js';
import { deleteFinishedEvents } from '../../shared/events/inbox.js';
import type { MaintenanceJobs } from '../../shared/queue-jobs.js';
import { byJobName, type JobHandlers, type QueueProcessor } from '../runner.js';
import { grantExpiryTask, runGrantExpirySweep } from './grant-expiry.js';
import { scheduleMeterExport } from './meters.js';

/** Prunes processed and ignored inbox rows older than the retention; dead rows stay until replayed. */
export async function pruneInbox(context: Pick<Context, 'config' | 'db'>, now = new Date()): Promise<number> {
  return deleteFinishedEvents(context.db, new Date(now.getTime() - context.config.INBOX_RETENTION_DAYS * 86_400_000));
}

const tasks: JobHandlers<MaintenanceJobs> = {
  'prune-inbox': (context) => pruneInbox(context),
  [grantExpiryTask]: (context) => runGrantExpirySweep(context),
};

export const maintenanceProcessor: QueueProcessor<MaintenanceJobs> = {
  concurrency: 1,
  run: byJobName('maintenance', tasks),
};

/** Idempotent: job schedulers are upserted by id, so every worker start may call this. */
export async function scheduleMaintenance(context: Pick<Context, 'config' | 'queues'>): Promise<void> {
  await context.queues.maintenance.upsertJobScheduler('prune-inbox', { pattern: context.config.INBOX_PRUNE_CRON }, { name: 'prune-inbox' });
  await context.queues.maintenance.upsertJobScheduler(grantExpiryTask, { every: context.config.GRANT_SWEEP_INTERVAL_MS }, { name: grantExpiryTask });
  await scheduleMeterExport(context);
  // The inbox relay now runs on a timer in every worker (workers/housekeeping.ts): drop its old scheduler.
  await context.queues.maintenance.removeJobScheduler('relay-inbox');
}
