import { z } from 'zod';
import type { SyncJobs } from './queue-jobs.js';
import type { QueueName } from './infra/queues.js';

const correlationId = z.string().max(200).optional();
const eventId = z.string().regex(/^evt_\w+$/).max(255);

const eventJob = z.object({ eventId, correlationId });
/** One schema per job of the sync queue's job map (shared/queue-jobs.ts). */
const syncJobs: ReadonlyMap<string, z.ZodType> = new Map(Object.entries({
  'sync-customer': z.object({ stripeCustomerId: z.string().regex(/^cus_\w+$/).max(255), eventId: eventId.optional(), correlationId }),
  'recompute-customer': z.object({ customerId: z.uuid(), reason: z.string().max(500).optional(), correlationId }),
} satisfies { [Name in keyof SyncJobs]: z.ZodType<SyncJobs[Name]> }));

/** The data a job of each queue must carry, by job name; queues absent here take jobs the service makes itself only. */
const schemas: Partial<Record<QueueName, (name: string) => z.ZodType | undefined>> = {
  events: () => eventJob,
  sync: (name) => syncJobs.get(name),
};

/**
 * What is wrong with a job's data, or undefined when the queue's processor can run it. Policy: a
 * job that fails this is permanent (a worker parks it at once, without its processor's hooks,
 * which would need the missing data), and the dashboard refuses to add or edit one.
 */
export function jobDataProblem(queue: string, name: string, data: unknown): string | undefined {
  const schemaFor = schemas[queue as QueueName];
  if (!schemaFor) return `jobs of the ${queue} queue are made by the service only`;
  const schema = schemaFor(name);
  if (!schema) return `the ${queue} queue has no job named ${name.slice(0, 100)}`;
  const result = schema.safeParse(data);
  return result.success ? undefined : `invalid ${queue} job data: ${result.error.issues.map((issue) => `${issue.path.join('.') || '(data)'} ${issue.message}`).join('; ')}`;
}

/** Whether the queue's jobs are checked by {@link jobDataProblem} (the others carry no data a processor depends on). */
export function hasJobSchema(queue: string): boolean {
  return queue in schemas;
}
