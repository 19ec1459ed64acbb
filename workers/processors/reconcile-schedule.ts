import type { Config } from '../../shared/infra/config.js';
import type { Context } from '../../shared/context.js';

/** Scheduled reconciliation and catch-up run unless switched off; tests switch them on where they want them. */
export const reconcileSchedulesEnabled = (config: Config): boolean => config.RECONCILE_SCHEDULES ?? config.NODE_ENV !== 'test';

/**
 * Upserts the reconciliation and catch-up job schedulers (idempotent: every worker start may call
 * this) and queues one catch-up now, deduplicated so that workers starting together add one.
 */
export async function scheduleReconciliation(context: Pick<Context, 'config' | 'queues'>): Promise<void> {
  if (!reconcileSchedulesEnabled(context.config)) return;
  const { reconcile } = context.queues;
  await reconcile.upsertJobScheduler('reconcile', { pattern: context.config.RECONCILE_CRON }, { name: 'reconcile', data: {} });
  await reconcile.upsertJobScheduler('events-catch-up', { pattern: context.config.CATCH_UP_CRON }, { name: 'catch-up', data: {} });
  await reconcile.add('catch-up', {}, { deduplication: { id: 'catch-up-at-start' } });
}
