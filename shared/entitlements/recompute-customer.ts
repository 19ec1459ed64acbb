import type { Context } from '../context.js';
import { afterEntitlementsStored } from '../notify/announce.js';
import { recomputeInTransaction, type RecomputeCause, type RecomputeResult } from './recompute.js';

/** Recompute-and-store in its own transaction, then invalidate the cache after commit. */
export async function recomputeCustomer(context: Context, customerId: string, cause: RecomputeCause, now = new Date()): Promise<RecomputeResult> {
  const result = await context.db.transaction((trx) => recomputeInTransaction(trx, context, customerId, cause, now));
  await afterEntitlementsStored(context, [result], now);
  return result;
}
