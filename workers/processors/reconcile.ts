import type { Job } from 'bullmq';
import type { Context } from '../../shared/context.js';
import type { ReconcileJobs } from '../../shared/queue-jobs.js';
import type { ReconcileJobData } from '../../shared/reconcile/request.js';
import { catchUpEvents } from '../reconcile/catch-up.js';
import { runReconciliation } from '../reconcile/run-reconciliation.js';
import { byJobName, type QueueProcessor } from '../runner.js';

/**
 * A scheduled job carries no run id: its first attempt creates the run row and writes the id into
 * the job, so a retry or a stalled re-run resumes that same run.
 */
async function runIdOf(context: Pick<Context, 'db'>, job: Job<ReconcileJobData, unknown, 'reconcile'>): Promise<string> {
  if (job.data.runId) return job.data.runId;
  const [{ id }] = await context.db('reconciliation_runs').insert({ trigger: 'schedule', params: '{}', status: 'queued' }).returning<{ id: string }[]>('id');
  await job.updateData({ ...job.data, runId: id });
  return id;
}

const message = (error: Error) => error.message.slice(0, 2000);

/** `reconcile`: one reconciliation run; `catch-up`: feed events the inbox missed through it. */
export const reconcileProcessor: QueueProcessor<ReconcileJobs> = {
  // A reconciliation and a catch-up may run side by side; two reconciliations meet at the lock.
  concurrency: 2,
  run: byJobName<ReconcileJobs>('reconcile', {
    reconcile: async (context, job) => runReconciliation(context, await runIdOf(context, job)),
    'catch-up': (context) => catchUpEvents(context),
  }),
  onFailedAttempt: async (context, job, error) => {
    if (job.name !== 'reconcile' || !job.data.runId) return;
    const { runId } = job.data;
    await context.db('reconciliation_runs').where({ id: runId }).whereNot({ status: 'succeeded' })
      .update({ status: 'queued', error: `attempt ${job.attemptsMade} failed, retrying from the cursor: ${message(error)}` });
  },
  onDead: async (context, job, error) => {
    if (job.name !== 'reconcile' || !job.data.runId) return;
    const { runId } = job.data;
    await context.db('reconciliation_runs').where({ id: runId }).whereNot({ status: 'succeeded' }).update({
      status: 'failed', error: message(error), finished_at: context.db.fn.now(),
      duration_ms: context.db.raw(`(extract(epoch from now() - coalesce(started_at, created_at)) * 1000)::int`),
    });
  },
};
