import type { Job } from 'bullmq';
import type { Context } from '../../shared/context.js';
import { markEventDead, pendingJobStates, requeueEvent } from '../../shared/events/inbox.js';
import { findJob, queuesFor } from '../../shared/infra/queues.js';
import { enqueueSync, syncDeduplicationId } from '../jobs.js';

interface UnfinishedRow { id: string; type: string; status: string; customer_id: string | null; correlation_id: string | null; payload: unknown }

async function stateOf(job: Job | undefined): Promise<string> {
  return job ? job.getState() : 'missing';
}

/** Whether a sync of the customer is waiting, delayed for a retry, or running. */
async function syncOnItsWay(context: Pick<Context, 'shards'>, stripeCustomerId: string): Promise<boolean> {
  const { sync } = queuesFor(context.shards, stripeCustomerId);
  const jobId = await sync.getDeduplicationJobId(syncDeduplicationId(stripeCustomerId));
  return jobId !== null && pendingJobStates.has(await stateOf(await sync.getJob(jobId)));
}

export interface RelayOutcome { events: number; syncs: number; dead: number }

/**
 * The inbox relay, for unfinished rows older than a cut-off:
 * - an event whose job is still on its way (waiting, running, delayed for a retry) is left alone;
 * - an event whose job failed for good but whose row is not `dead` (Postgres was down when the job
 *   was parked) becomes `dead` now, so nothing failed stays invisible;
 * - an event handed to its customer's sync (`queued`, or `failed` by that sync) waits for the sync
 *   when one is on its way, and gets a new sync when none is (Redis lost it): the event itself is
 *   not run again, which would spend Stripe calls and count attempts for nothing;
 * - any other event (recorded while Redis was down, or whose job Redis lost) is re-added: the job
 *   id is the event id, and processing is idempotent.
 */
export async function relayInbox(context: Pick<Context, 'db' | 'queues' | 'shards' | 'logger'>, options: { olderThanSeconds?: number; limit?: number } = {}): Promise<RelayOutcome> {
  const cutoff = new Date(Date.now() - (options.olderThanSeconds ?? 30) * 1000);
  const rows = await context.db('stripe_events')
    .select<UnfinishedRow[]>('id', 'type', 'status', 'customer_id', 'correlation_id', context.db.raw(`jsonb_build_object('id', payload #> '{data,object,id}', 'object', payload #> '{data,object,object}', 'customer', payload #> '{data,object,customer}') as payload`))
    .whereIn('status', ['received', 'queued', 'failed'])
    .where('received_at', '<', cutoff)
    .orderBy('received_at')
    .limit(options.limit ?? 1000);
  const outcome: RelayOutcome = { events: 0, syncs: 0, dead: 0 };
  const resynced = new Set<string>();
  for (const row of rows) {
    const job = await findJob(context.shards, 'events', row.id);
    const state = await stateOf(job);
    if (pendingJobStates.has(state)) continue;
    if (state === 'failed') {
      await markEventDead(context.db, row.id, job?.failedReason ?? 'failed');
      outcome.dead += 1;
      continue;
    }
    if (row.customer_id && row.status !== 'received') {
      if (resynced.has(row.customer_id) || await syncOnItsWay(context, row.customer_id)) continue;
      await enqueueSync(context, { stripeCustomerId: row.customer_id, eventId: row.id, ...(row.correlation_id && { correlationId: row.correlation_id }) });
      resynced.add(row.customer_id);
      outcome.syncs += 1;
      continue;
    }
    await requeueEvent(context.shards, { id: row.id, type: row.type, correlationId: row.correlation_id, payload: { data: { object: row.payload } } }, job);
    outcome.events += 1;
  }
  if (outcome.events + outcome.syncs + outcome.dead > 0) context.logger.warn('relayed unfinished inbox events', { ...outcome });
  return outcome;
}
