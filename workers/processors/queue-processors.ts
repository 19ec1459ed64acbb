import type { ProcessorTable } from '../runner.js';
import { eventsProcessor } from './events-processor.js';
import { maintenanceProcessor } from './maintenance.js';
import { metersProcessor } from './meters.js';
import { reconcileProcessor } from './reconcile.js';
import { syncProcessor } from './sync-processor.js';
import { webhooksProcessor } from './deliver-webhook.js';

/** Which processor runs each queue: the type has one entry per consumed queue, so none can be left out. */
export function processorTable(): ProcessorTable {
  return {
    events: eventsProcessor,
    sync: syncProcessor,
    maintenance: maintenanceProcessor,
    reconcile: reconcileProcessor,
    webhooks: webhooksProcessor,
    meters: metersProcessor,
  };
}
