import type { Context } from '../../shared/context.js';
import { enqueueEvent } from '../../shared/events/enqueue.js';

/**
 * The inbox relay: an event recorded while Redis was down, or whose job Redis lost (a restart
 * without persistence), has an unfinished inbox row and no job. Re-adding it is safe: the job id
 * is the event id, and processing is idempotent.
 */
export async function relayInbox(context: Context, options: { olderThanSeconds?: number; limit?: number } = {}): Promise<number> {
  const cutoff = new Date(Date.now() - (options.olderThanSeconds ?? 30) * 1000);
  const rows = await context.db('stripe_events')
    .select<{ id: string; type: string; correlation_id: string | null }[]>('id', 'type', 'correlation_id')
    .whereIn('status', ['received', 'queued', 'failed'])
    .where('received_at', '<', cutoff)
    .orderBy('received_at')
    .limit(options.limit ?? 1000);
  let relayed = 0;
  for (const row of rows) {
    const job = await context.queues.events.getJob(row.id);
    if (job && !(await job.isCompleted())) continue;
    if (job) await job.remove();
    await enqueueEvent(context.queues, { id: row.id, type: row.type, correlationId: row.correlation_id });
    relayed += 1;
  }
  if (relayed > 0) context.logger.warn('relayed inbox events that had no job', { relayed });
  return relayed;
}
