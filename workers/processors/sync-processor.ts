import { recomputeCustomer } from '../../shared/entitlements/recompute-customer.js';
import type { SyncJobs } from '../../shared/queue-jobs.js';
import { syncCustomer } from '../../shared/sync/sync-customer.js';
import { markCustomerEventsDead, markCustomerEventsFailed } from '../../shared/events/inbox.js';
import { byJobName, type JobHandlers, type QueueProcessor } from '../runner.js';

const jobs: JobHandlers<SyncJobs> = {
  /** Fetch from Stripe and converge. */
  'sync-customer': async (context, job) => {
    const result = await syncCustomer(context, job.data.stripeCustomerId, { actor: 'worker', eventId: job.data.eventId });
    return { changed: result.changed, processedEvents: result.processedEvents };
  },
  /** Recompute from the mirror only. */
  'recompute-customer': async (context, job) => {
    const result = await recomputeCustomer(context, job.data.customerId, { actor: 'worker', reason: job.data.reason });
    return { changed: result.changed };
  },
};

/** The inbox rows waiting for a customer's sync follow its failures; a recompute has none. */
export const syncProcessor: QueueProcessor<SyncJobs> = {
  run: byJobName('sync', jobs),
  onFailedAttempt: async (context, job, error) => {
    if (job.name === 'sync-customer') await markCustomerEventsFailed(context.db, job.data.stripeCustomerId, error);
  },
  onDead: async (context, job, error) => {
    if (job.name === 'sync-customer') await markCustomerEventsDead(context.db, job.data.stripeCustomerId, error);
  },
};
