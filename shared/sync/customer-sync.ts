import type { Context } from '../context.js';
import { preparedStatement } from '../db.js';
import { invalidateEntitlements } from '../entitlements/cache-keys.js';
import type { CustomerRef } from '../entitlements/read.js';
import { recomputeInTransaction, type RecomputeCause, type StoredEntitlement } from '../entitlements/recompute.js';
import { fetchCustomer } from './fetch-customer.js';
import { writeSnapshot } from './write-snapshot.js';

export interface SyncResult {
  /** The local customer row as this sync left it. */
  customer: CustomerRef;
  changed: boolean;
  entitlements: StoredEntitlement[];
  /** Inbox events this sync made processed (received before the fetch started). */
  processedEvents: number;
}

const markProcessed = preparedStatement<{ type: string; stripe_created: Date | null }>('inbox-processed-by-sync', `
  update stripe_events set status = 'processed', processed_at = now(), last_error = null
   where customer_id = :customer_id and status in ('queued', 'failed') and received_at <= :fetch_started_at
  returning type, stripe_created`);

/**
 * The one path from Stripe's truth to local state, used by webhook events, the sync endpoint and
 * reconciliation: fetch the customer's current state, write it compare-and-set, recompute
 * entitlements (audited), mark the customer's queued events processed — one transaction — then
 * invalidate the cache.
 */
export async function syncCustomer(context: Context, stripeCustomerId: string, cause: RecomputeCause & { linkUserId?: string }): Promise<SyncResult> {
  const snapshot = await fetchCustomer(context.stripe, stripeCustomerId);
  const { result, customer, processed } = await context.db.transaction(async (trx) => {
    const customer = await writeSnapshot(trx, snapshot, cause.linkUserId);
    const result = await recomputeInTransaction(trx, context, customer, cause);
    // Every event of this customer received before the fetch started is reflected in what was just written.
    const processed = await markProcessed(trx, { customer_id: stripeCustomerId, fetch_started_at: snapshot.fetchStartedAt });
    return { result, customer, processed };
  });
  await invalidateEntitlements(context.redis, context.config.REDIS_PREFIX, result.refs);
  const now = Date.now();
  for (const event of processed) {
    if (event.stripe_created) context.metrics.eventLag.observe({ type: event.type }, Math.max(0, (now - event.stripe_created.getTime()) / 1000));
  }
  return { customer, changed: result.changed, entitlements: result.entitlements, processedEvents: processed.length };
}
