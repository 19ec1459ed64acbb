import type { Context } from '../context.js';
import { invalidateEntitlements } from '../entitlements/invalidate-entitlements.js';
import type { RecomputeResult } from '../entitlements/recompute.js';
import { appendToLog } from './change-log.js';
import { entitlementsUpdated, type NotifyEvent } from './entitlement-event.js';
import { fanOutToEndpoints } from './webhook-fan-out.js';

/**
 * What every writer of entitlements does after its transaction committed: invalidate the cache
 * (so a read after the event sees the new version), then tell apps: append each change to the
 * change log (the event stream) and record and queue its outbound webhook deliveries.
 *
 * Policy: the invalidation's failure propagates (the caller's job retries, as before); a failure to
 * announce is logged and counted, never retried by recomputing, because a second recompute finds
 * nothing changed. Stream clients that missed it refetch on their next version gap.
 */
export async function afterEntitlementsStored(context: Context, results: readonly RecomputeResult[], now = new Date()): Promise<NotifyEvent[]> {
  await invalidateEntitlements(context.redis, context.config, results.flatMap((result) => result.refs));
  const events = results.flatMap((result) => (result.change ? [entitlementsUpdated(result.change, now)] : []));
  await announce(context, events, now);
  return events;
}

/**
 * Tells apps: appends the events to the change log (the event stream) and records and queues their
 * outbound webhook deliveries. A failure is logged and counted, never thrown (see above).
 */
export async function announce(context: Context, events: readonly NotifyEvent[], now = new Date()): Promise<void> {
  if (events.length === 0) return;
  const { config, logger, metrics } = context;
  const outcomes = await Promise.allSettled([
    appendToLog(context.redis, config.REDIS_PREFIX, config.STREAM_RETENTION_HOURS, events, now.getTime()),
    fanOutToEndpoints(context, events),
  ]);
  outcomes.forEach((outcome, index) => {
    const channel = index === 0 ? 'stream' : 'webhooks';
    if (outcome.status === 'fulfilled') {
      metrics.notifyEvents.inc({ channel, outcome: 'announced' }, events.length);
      return;
    }
    metrics.notifyEvents.inc({ channel, outcome: 'failed' }, events.length);
    logger.warn('could not announce a change to apps', { channel, events: events.map((event) => event.id), error: outcome.reason as unknown });
  });
}
