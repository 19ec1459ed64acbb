import type { Job } from 'bullmq';
import { PermanentError } from '../../shared/errors.js';
import { recomputeCustomer } from '../../shared/entitlements/recompute-customer.js';
import { syncCustomer } from '../../shared/sync/customer-sync.js';
import type { RecomputeJobData, SyncJobData } from '../jobs.js';
import type { QueueProcessor } from '../runner.js';

/** `sync-customer`: fetch from Stripe and converge; `recompute-customer`: recompute from the mirror only. */
export const syncProcessor: QueueProcessor = {
  run: async (context, job: Job) => {
    if (job.name === 'sync-customer') {
      const data = job.data as SyncJobData;
      const result = await syncCustomer(context, data.stripeCustomerId, { actor: 'worker', eventId: data.eventId });
      return { changed: result.changed, processedEvents: result.processedEvents };
    }
    if (job.name === 'recompute-customer') {
      const data = job.data as RecomputeJobData;
      const result = await recomputeCustomer(context, data.customerId, { actor: 'worker', reason: data.reason });
      return { changed: result.changed };
    }
    throw new PermanentError(`unknown sync job ${job.name}`);
  },
  onFailedAttempt: async (context, job, error) => {
    if (job.name !== 'sync-customer') return;
    const { stripeCustomerId } = job.data as SyncJobData;
    await context.db('stripe_events').where({ customer_id: stripeCustomerId, status: 'queued' })
      .update({ status: 'failed', last_error: error.message.slice(0, 2000) });
  },
  onDead: async (context, job, error) => {
    if (job.name !== 'sync-customer') return;
    const { stripeCustomerId } = job.data as SyncJobData;
    await context.db('stripe_events').where({ customer_id: stripeCustomerId }).whereIn('status', ['queued', 'failed'])
      .update({ status: 'dead', last_error: error.message.slice(0, 2000) });
  },
};
