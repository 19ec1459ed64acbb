import type { Context } from '../../shared/context.js';
import { backoffDelayMs, jobRetryPolicy } from '../../shared/retry-policy.js';
import type { Repairer } from './repair-customers.js';
import { saveProgress, type Totals } from './totals.js';

/** The longest wait between two rounds: the run holds the reconciliation lock meanwhile, and a stop should not wait long on it. */
const maxRoundWaitMs = 30_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Repairs the customers the run could not repair yet, in rounds with capped exponential backoff,
 * until none is left or the job retry horizon has passed since the run started. Each round's
 * outcome is saved, so a resumed run starts from what is still unrepaired. Resolves to the number
 * of customers still unrepaired (0 when done).
 */
export async function repairUntilDone(context: Context, runId: string, totals: Totals, repairer: Repairer, options: { startedAt: Date; lockLost: () => boolean }): Promise<number> {
  const policy = jobRetryPolicy(context.config);
  const backoff = { baseMs: policy.backoff.baseMs, maxMs: Math.min(policy.backoff.maxMs, maxRoundWaitMs) };
  for (let round = 1; Object.keys(totals.unrepaired).length > 0; round += 1) {
    if (options.lockLost() || Date.now() - options.startedAt.getTime() > policy.horizonMs) break;
    await sleep(backoffDelayMs(round, backoff));
    const outcomes = await repairer.repairAgain(Object.keys(totals.unrepaired));
    for (const [customer, outcome] of outcomes) {
      if (outcome === 'retry') continue;
      const subscriptions = totals.unrepaired[customer] ?? 0;
      if (outcome === 'repaired') totals.repaired += subscriptions;
      else totals.errors += subscriptions;
      delete totals.unrepaired[customer];
    }
    if (options.lockLost()) break;
    await saveProgress(context, runId, totals);
    context.logger.info('reconciliation repair round', { runId, round, unrepaired: Object.keys(totals.unrepaired).length });
  }
  return Object.keys(totals.unrepaired).length;
}
