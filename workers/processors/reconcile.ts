import type { Job } from 'bullmq';
import type { Context } from '../../shared/context.js';
import { PermanentError } from '../../shared/errors.js';
import type { ReconcileJobData } from '../../shared/reconcile/request.js';
import { catchUpEvents } from '../reconcile/catch-up.js';
import { runReconciliation } from '../reconcile/run-reconciliation.js';
import type { QueueProcessor } from '../runner.js';

/**
 * A scheduled job carries no run id: its first attempt creates the run row and writes the id into
 * the job, so a retry or a stalled re-run resumes that same run.
 */
async function runIdOf(context: Context, job: Job<ReconcileJobData>): Promise<string> {
  if (job.data.runId) return job.data.runId;
  const [{ id }] = await context.db('reconciliation_runs').insert({ trigger: 'schedule', params: '{}', status: 'queued' }).returning<{ id: string }[]>('id');
  await job.updateData({ ...job.data, runId: id });
  return id;
}

const message = (error: Error) => error.message.slice(0, 2000);

/** `reconcile`: one reconciliation run; `catch-up`: feed events the inbox missed through it. */
export const reconcileProcessor: QueueProcessor = {
  // A reconciliation and a catch-up may run side by side; two reconciliations meet at the lock.
  concurrency: 2,
  run: async (context, job: Job) => {
    if (job.name === 'reconcile') return runReconciliation(context, await runIdOf(context, job as Job<ReconcileJobData>));
    if (job.name === 'catch-up') return catchUpEvents(context);
    throw new PermanentError(`unknown reconcile job ${job.name}`);
  },
  onFailedAttempt: async (context, job, error) => {
    const { runId } = job.data as ReconcileJobData;
    if (job.name !== 'reconcile' || !runId) return;
    await context.db('reconciliation_runs').where({ id: runId }).whereNot({ status: 'succeeded' })
      .update({ status: 'queued', error: `attempt ${job.attemptsMade} failed, retrying from the cursor: ${message(error)}` });
  },
  onDead: async (context, job, error) => {
    const { runId } = job.data as ReconcileJobData;
    if (job.name !== 'reconcile' || !runId) return;
    await context.db('reconciliation_runs').where({ id: runId }).whereNot({ status: 'succeeded' }).update({
      status: 'failed', error: message(error), finished_at: context.db.fn.now(),
      duration_ms: context.db.raw(`(extract(epoch from now() - coalesce(started_at, created_at)) * 1000)::int`),
    });
  },
};
