import type { Job } from 'bullmq';
import { PermanentError } from '../../shared/errors.js';
import { deliverWebhook, markDeliveryDead } from '../../shared/notify/deliver-webhook.js';
import type { DeliverJobData } from '../../shared/notify/webhook-jobs.js';
import type { QueueProcessor } from '../runner.js';

/** `deliver`: one outbound webhook delivery; retried with the job's backoff, dead-lettered after its last attempt. */
export const webhooksProcessor: QueueProcessor = {
  run: async (context, job: Job) => {
    if (job.name !== 'deliver') throw new PermanentError(`unknown webhooks job ${job.name}`);
    return deliverWebhook(context, (job.data as DeliverJobData).deliveryId);
  },
  onDead: async (context, job, error) => {
    if (job.name === 'deliver') await markDeliveryDead(context, (job.data as DeliverJobData).deliveryId, error);
  },
};
