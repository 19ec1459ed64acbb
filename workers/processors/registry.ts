import type { ProcessorTable } from '../runner.js';
import { maintenanceProcessor } from './maintenance.js';

/** Which processor runs each queue. */
export function processorTable(): ProcessorTable {
  return {
    maintenance: maintenanceProcessor,
  };
}
