import type { consumedQueues } from '../../shared/queues.js';
import type { ProcessorTable, QueueProcessor } from '../runner.js';
import { eventsProcessor } from './events-processor.js';
import { maintenanceProcessor } from './maintenance.js';
import { reconcileProcessor } from './reconcile.js';
import { syncProcessor } from './sync-processor.js';

/** Which processor runs each queue. */
export function processorTable(): ProcessorTable {
  return {
    events: eventsProcessor,
    sync: syncProcessor,
    maintenance: maintenanceProcessor,
    reconcile: reconcileProcessor,
  } satisfies Record<(typeof consumedQueues)[number], QueueProcessor>;
}
