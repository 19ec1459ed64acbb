import { systemActor, writeAudit } from '../audit.js';
import type { Context } from '../context.js';
import { afterEntitlementsStored } from '../notify/announce.js';
import { recomputeInTransaction } from '../entitlements/recompute.js';
import { grantColumns, type GrantRow } from './grant-rows.js';

export interface SweepResult { recorded: number; grantIds: string[] }

/**
 * Records grant expiries. Expiry itself needs no job (reads honour `next_change_at`); this sweep
 * writes what the reads cannot: for each unrevoked grant whose `expires_at` is at or before `now`
 * and whose expiry is not yet recorded, one transaction sets `expiry_recorded_at`, audits
 * `grant.expired` (actor `system`) and stores the recomputed entitlements; the cache is invalidated
 * after commit. Safe to run concurrently: the guarded update claims each grant once. A revoked
 * grant is not recorded as expired: it stopped counting when it was revoked.
 */
export async function sweepGrantExpiry(context: Context, now = new Date(), options: { limit?: number } = {}): Promise<SweepResult> {
  const due = await context.db('grants')
    .select<{ id: string }[]>('id')
    .whereNull('expiry_recorded_at')
    .whereNull('revoked_at')
    .where('expires_at', '<=', now)
    .orderBy('expires_at')
    .limit(options.limit ?? 500);
  const grantIds: string[] = [];
  for (const { id } of due) {
    const result = await context.db.transaction(async (trx) => {
      const before = await trx('grants').where({ id }).whereNull('expiry_recorded_at').whereNull('revoked_at').forUpdate().skipLocked().first<GrantRow | undefined>(...grantColumns);
      if (!before) return undefined;
      const [after] = await trx('grants').where({ id }).update({ expiry_recorded_at: now }).returning<GrantRow[]>([...grantColumns]);
      await writeAudit(trx, systemActor, {
        action: 'grant.expired',
        subjectType: 'grant',
        subjectId: id,
        customerId: before.customer_id,
        before,
        after,
        grantId: id,
        reason: `expired at ${before.expires_at?.toISOString() ?? 'unknown'}`,
      });
      return recomputeInTransaction(trx, context, before.customer_id, { actor: 'system', grantId: id, reason: 'grant expired' }, now);
    });
    if (!result) continue;
    await afterEntitlementsStored(context, [result], now);
    grantIds.push(id);
  }
  return { recorded: grantIds.length, grantIds };
}
