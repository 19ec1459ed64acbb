import type { EventJobData } from './events/enqueue.js';
import type { MeterExportJobData } from './meters/export-jobs.js';
import type { DeliverJobData } from './notify/webhook-jobs.js';
import type { consumedQueues } from './infra/queues.js';
import type { ReconcileJobData } from './reconcile/request.js';

/**
 * The job maps: for each consumed queue, its job names and the data each carries. A queue's
 * processor (workers/processors/) has one handler per name, and the compiler refuses a table
 * that misses one.
 */

/** `sync`: a per-customer sync from Stripe, deduplicated by customer. */
export interface SyncJobData { stripeCustomerId: string; correlationId?: string; eventId?: string }
/** `sync`: a recompute from the mirror only (catalog changes, grant expiry). */
export interface RecomputeJobData { customerId: string; correlationId?: string; reason?: string }

/** Jobs carrying nothing but, perhaps, the correlation id of what caused them. */
export interface NoJobData { correlationId?: string }

/** `events`: one job per Stripe event, named after the event's type, so every name carries the same data. */
export type EventsJobs = Record<string, EventJobData>;

export interface SyncJobs {
  'sync-customer': SyncJobData;
  'recompute-customer': RecomputeJobData;
}

export interface ReconcileJobs {
  reconcile: ReconcileJobData;
  'catch-up': NoJobData;
}

/** Housekeeping tasks, each run by a job scheduler (workers/processors/maintenance.ts). */
export interface MaintenanceJobs {
  'prune-inbox': NoJobData;
  'sweep-grant-expiry': NoJobData;
}

export interface WebhooksJobs {
  deliver: DeliverJobData;
}

/** `meters`: one customer's meter export, and the scheduled scan that finds customers with usage to export. */
export interface MetersJobs {
  'export-customer': MeterExportJobData;
  'scan-usage': NoJobData;
}

export type ConsumedQueue = (typeof consumedQueues)[number];

/** Every consumed queue's job map (workers/runner.ts's `ProcessorTable` needs one per consumed queue). */
export interface QueueJobs {
  events: EventsJobs;
  sync: SyncJobs;
  reconcile: ReconcileJobs;
  maintenance: MaintenanceJobs;
  webhooks: WebhooksJobs;
  meters: MetersJobs;
}
