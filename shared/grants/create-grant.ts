import { writeAudit, type Actor } from '../audit.js';
import type { Context } from '../context.js';
import { internalError } from '../errors.js';
import { afterEntitlementsStored } from '../notify/announce.js';
import { recomputeInTransaction } from '../entitlements/recompute.js';
import { customerForGrant } from './customer-ref.js';
import type { CreateGrantRequest } from './grant-requests.js';
import { grantColumns, type GrantRow } from './grant-rows.js';

/**
 * Creates a manual grant: 1. resolve (or, for a user id, create) the customer and lock it;
 * 2. insert the grant; 3. audit `grant.created`; 4. recompute the customer's entitlements (audited
 * as `entitlements.changed`) — all in one transaction, so a grant never exists without its effect;
 * 5. after commit, invalidate the cache so the read API sees it at once.
 */
export async function createGrant(context: Context, request: CreateGrantRequest, who: Actor, now = new Date()): Promise<GrantRow> {
  const { grant, result } = await context.db.transaction(async (trx) => {
    const customer = await customerForGrant(trx, request.customer, who);
    const [grant] = await trx('grants')
      .insert({
        customer_id: customer.id,
        feature: request.feature,
        value: JSON.stringify(request.value),
        reason: request.reason,
        expires_at: request.expires_at ?? null,
        created_by: who.actor,
      })
      .returning<GrantRow[]>([...grantColumns]);
    if (!grant) throw internalError('grant_not_written', 'grant insert returned no row');
    await writeAudit(trx, who, {
      action: 'grant.created',
      subjectType: 'grant',
      subjectId: grant.id,
      customerId: customer.id,
      after: grant,
      grantId: grant.id,
      reason: request.reason,
    });
    const cause = { actor: who.actor, grantId: grant.id, requestId: who.requestId, reason: request.reason };
    const result = await recomputeInTransaction(trx, context, customer.id, cause, now);
    return { grant, result };
  });
  await afterEntitlementsStored(context, [result], now);
  return grant;
}
