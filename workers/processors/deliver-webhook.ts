import { deliverWebhook, markDeliveryDead } from '../../shared/notify/deliver-webhook.js';
import type { WebhooksJobs } from '../../shared/queue-jobs.js';
import { byJobName, type QueueProcessor } from '../runner.js';

/** `deliver`: one outbound webhook delivery; retried with the job's backoff, dead-lettered after its last attempt. */
export const webhooksProcessor: QueueProcessor<WebhooksJobs> = {
  run: byJobName<WebhooksJobs>('webhooks', {
    deliver: (context, job) => deliverWebhook(context, job.data.deliveryId),
  }),
  onDead: async (context, job, error) => markDeliveryDead(context, job.data.deliveryId, error),
};
