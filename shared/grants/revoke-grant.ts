import { writeAudit, type Actor } from '../audit.js';
import type { Context } from '../context.js';
import { afterEntitlementsStored } from '../notify/announce.js';
import { recomputeInTransaction } from '../entitlements/recompute.js';
import { conflict, internalError, notFound } from '../errors.js';
import { grantColumns, type GrantRow } from './grant-rows.js';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Revokes a grant: lock it; 404 when unknown, 409 `grant_already_revoked` when revoked; set
 * `revoked_at`/`revoked_reason`; audit `grant.revoked` with before/after; recompute — one
 * transaction — then invalidate the cache. An expired grant may still be revoked (it records intent).
 */
export async function revokeGrant(context: Context, grantId: string, reason: string, who: Actor, now = new Date()): Promise<GrantRow> {
  if (!uuid.test(grantId)) throw notFound('grant_not_found', `no grant ${grantId}`);
  const { grant, result } = await context.db.transaction(async (trx) => {
    const before = await trx('grants').where({ id: grantId }).forUpdate().first<GrantRow | undefined>(...grantColumns);
    if (!before) throw notFound('grant_not_found', `no grant ${grantId}`);
    if (before.revoked_at) throw conflict('grant_already_revoked', `grant ${grantId} was revoked at ${before.revoked_at.toISOString()}`, { revoked_at: before.revoked_at });
    const [grant] = await trx('grants').where({ id: grantId })
      .update({ revoked_at: now, revoked_reason: reason })
      .returning<GrantRow[]>([...grantColumns]);
    if (!grant) throw internalError('grant_not_written', 'grant update returned no row');
    await writeAudit(trx, who, {
      action: 'grant.revoked',
      subjectType: 'grant',
      subjectId: grant.id,
      customerId: grant.customer_id,
      before,
      after: grant,
      grantId: grant.id,
      reason,
    });
    const result = await recomputeInTransaction(trx, context, grant.customer_id, { actor: who.actor, grantId, requestId: who.requestId, reason }, now);
    return { grant, result };
  });
  await afterEntitlementsStored(context, [result], now);
  return grant;
}
