import type { consumedQueues } from '../../shared/queues.js';
import type { ProcessorTable, QueueProcessor } from '../runner.js';
import { eventsProcessor } from './events-processor.js';
import { maintenanceProcessor } from './maintenance.js';
import { metersProcessor } from './meters.js';
import { reconcileProcessor } from './reconcile.js';
import { syncProcessor } from './sync-processor.js';
import { webhooksProcessor } from './deliver-webhook.js';

/** Which processor runs each queue. */
export function processorTable(): ProcessorTable {
  return {
    events: eventsProcessor,
    sync: syncProcessor,
    maintenance: maintenanceProcessor,
    reconcile: reconcileProcessor,
    webhooks: webhooksProcessor,
    meters: metersProcessor,
  } satisfies Record<(typeof consumedQueues)[number], QueueProcessor>;
}
