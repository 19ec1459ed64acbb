import type { Context } from '../../shared/context.js';
import { sweepGrantExpiry } from '../../shared/grants/sweep-grant-expiry.js';
import type { MaintenanceJobs } from '../../shared/queue-jobs.js';

/** Maintenance task name of the grant expiry sweep (every GRANT_SWEEP_INTERVAL_MS, on one worker at a time). */
export const grantExpiryTask = 'sweep-grant-expiry' satisfies keyof MaintenanceJobs;

/** Records the expiries that passed since the last run; see {@link sweepGrantExpiry}. */
export async function runGrantExpirySweep(context: Context): Promise<{ recorded: number }> {
  const { recorded } = await sweepGrantExpiry(context, new Date());
  if (recorded > 0) context.logger.info('grant expiries recorded', { recorded });
  return { recorded };
}
