import { z } from 'zod';

/**
 * What a reconciliation run covers, stored in `reconciliation_runs.params`. Empty: every
 * subscription. `customer`: one Stripe customer (resolved from a user id when the run is
 * requested). `since`: subscriptions Stripe created at or after this instant (Stripe's list filters
 * on `created` only; a subscription created earlier and changed since is not covered).
 */
export const reconcileParams = z.object({
  customer: z.string().regex(/^cus_\w+$/, 'must be a Stripe customer id (cus_…)').optional(),
  since: z.iso.datetime({ offset: true }).optional(),
}).strict();

export type ReconcileParams = z.infer<typeof reconcileParams>;

/** Who asked for a run: `schedule`, `cli`, `admin:<key id>`, `test`, … */
export type ReconcileTrigger = string;
